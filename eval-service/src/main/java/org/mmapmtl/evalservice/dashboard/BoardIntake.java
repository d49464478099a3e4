package org.mmapmtl.evalservice.dashboard;

import io.smallrye.faulttolerance.api.ApplyGuard;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.mmapmtl.evalservice.activity.ExperimentActivity;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.Progress;
import org.mmapmtl.events.RecordKeys;
import org.mmapmtl.events.TaskPartition;
import org.mmapmtl.service.IntakeGuard;

import java.time.Instant;


/**
 * Keeps what the dashboard shows besides scores: every mmap.progress report and each experiment's partition. A record
 * that cannot be read fails here and goes to its topic's dead-letter topic with the reason; the next one is read.
 */
@ApplicationScoped
public class BoardIntake {

    @ApplyGuard(IntakeGuard.NAME)
    @Incoming("progress")
    @Blocking
    public void progress(ConsumerRecord<String, byte[]> record) {
        Progress p = EventCodecs.PROGRESS.decode(record.value());
        RecordKeys.requireExperimentKey(record.key(), p.experimentId());
        // a transaction per attempt: the retry must not run inside one the lost connection broke
        QuarkusTransaction.requiringNew().run(() -> {
            RunProgress.store(p);
            ExperimentActivity.touch(p.experimentId(), p.at() == null ? Instant.now() : p.at());
        });
    }

    @ApplyGuard(IntakeGuard.NAME)
    @Incoming("partitions")
    @Blocking
    public void partition(ConsumerRecord<String, byte[]> record) {
        TaskPartition partition = EventCodecs.PARTITION.decode(record.value());
        RecordKeys.requireExperimentKey(record.key(), partition.experimentId());
        QuarkusTransaction.requiringNew().run(() -> ReceivedPartition.storeFirst(partition));
    }
}
