package org.mmapmtl.evalservice.results;

import io.smallrye.faulttolerance.api.ApplyGuard;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.evalservice.activity.ExperimentActivity;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.RecordKeys;
import org.mmapmtl.service.IntakeGuard;


/**
 * Consumes mmap.checkpoints and queues each checkpoint for evaluation. Undecodable records fail here and go to
 * mmap.checkpoints.dlq with the reason; a checkpoint announced twice is queued once.
 */
@ApplicationScoped
public class CheckpointIntake {
    private static final Logger LOG = Logger.getLogger(CheckpointIntake.class);

    @ApplyGuard(IntakeGuard.NAME)
    @Incoming("checkpoints")
    @Blocking
    public void receive(ConsumerRecord<String, byte[]> record) {
        Checkpoint checkpoint = EventCodecs.CHECKPOINT.decode(record.value());
        RecordKeys.requireExperimentKey(record.key(), checkpoint.experimentId());
        // a transaction per attempt: the retry must not run inside one the lost connection broke
        QuarkusTransaction.requiringNew().run(() -> {
            if (ReceivedCheckpoint.exists(checkpoint.runId(), checkpoint.epoch())) {
                LOG.debugf("checkpoint of run %s epoch %d already received; duplicate ignored", checkpoint.runId(),
                        checkpoint.epoch());
                return;
            }
            ReceivedCheckpoint received = ReceivedCheckpoint.of(checkpoint);
            received.persist();
            ExperimentActivity.touch(received.experimentId, received.receivedAt);
        });
    }
}
