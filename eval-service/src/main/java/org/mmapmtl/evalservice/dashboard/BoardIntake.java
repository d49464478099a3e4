package org.mmapmtl.evalservice.dashboard;

import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.Progress;
import org.mmapmtl.events.RecordKeys;
import org.mmapmtl.events.TaskPartition;

/**
 * Keeps what the dashboard shows besides scores: every mmap.progress report and each experiment's partition. A record
 * that cannot be read fails here and goes to its topic's dead-letter topic with the reason; the next one is read.
 */
@ApplicationScoped
public class BoardIntake {

    @Incoming("progress")
    @Blocking
    @Transactional
    public void progress(ConsumerRecord<String, byte[]> record) {
        Progress p = EventCodecs.PROGRESS.decode(record.value());
        RecordKeys.requireExperimentKey(record.key(), p.experimentId());
        RunProgress.store(p);
    }

    @Incoming("partitions")
    @Blocking
    @Transactional
    public void partition(ConsumerRecord<String, byte[]> record) {
        TaskPartition partition = EventCodecs.PARTITION.decode(record.value());
        RecordKeys.requireExperimentKey(record.key(), partition.experimentId());
        ReceivedPartition.storeFirst(partition);
    }
}
