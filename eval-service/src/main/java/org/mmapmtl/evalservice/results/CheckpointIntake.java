package org.mmapmtl.evalservice.results;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.faulttolerance.api.BeforeRetry;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import io.smallrye.faulttolerance.api.RetryWhen;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.RecordKeys;
import org.mmapmtl.service.DatabaseUnavailable;
import org.mmapmtl.service.IntakeRetryLog;

import java.time.temporal.ChronoUnit;

/**
 * Consumes mmap.checkpoints and queues each checkpoint for evaluation. Undecodable records fail here and go to
 * mmap.checkpoints.dlq with the reason; a checkpoint announced twice is queued once.
 */
@ApplicationScoped
public class CheckpointIntake {
    private static final Logger LOG = Logger.getLogger(CheckpointIntake.class);

    // a record the database cannot take now is kept and tried again (backing off to 10 s) until it can; only a
    // record that can never be stored goes to the dead-letter topic
    @Retry(maxRetries = -1, delay = 200, maxDuration = 0, jitter = 100)
    @ExponentialBackoff(maxDelay = 10, maxDelayUnit = ChronoUnit.SECONDS)
    @RetryWhen(exception = DatabaseUnavailable.class)
    @BeforeRetry(IntakeRetryLog.class)
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
            ReceivedCheckpoint.of(checkpoint).persist();
        });
    }
}
