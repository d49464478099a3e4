package org.mmapmtl.trainer.experiment;

import io.smallrye.faulttolerance.api.ApplyGuard;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.RecordKeys;
import org.mmapmtl.events.TaskPartition;
import org.mmapmtl.service.IntakeGuard;


/**
 * Consumes mmap.partitions: the groups that phase 2 trains. It only records them and queues the phase-2 runs (one
 * short transaction); trainers pick the runs up. Undecodable records, and partitions of other tasks than the
 * experiment's, fail here and go to mmap.partitions.dlq with the reason; a second partition changes nothing.
 */
@ApplicationScoped
public class PartitionIntake {
    @Inject
    Experiments experiments;

    @ApplyGuard(IntakeGuard.NAME)
    @Incoming("partitions")
    @Blocking
    public void receive(ConsumerRecord<String, byte[]> record) {
        TaskPartition partition = EventCodecs.PARTITION.decode(record.value());
        RecordKeys.requireExperimentKey(record.key(), partition.experimentId());
        experiments.partitionDecided(partition);
    }
}
