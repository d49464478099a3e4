package org.mmapmtl.trainer.experiment;

import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.RecordKeys;
import org.mmapmtl.events.TaskPartition;

/**
 * Consumes mmap.partitions: the groups that phase 2 trains. Undecodable records fail here and go to
 * mmap.partitions.dlq with the reason; a second partition for the same experiment changes nothing.
 */
@ApplicationScoped
public class PartitionIntake {
    private static final Logger LOG = Logger.getLogger(PartitionIntake.class);

    @Incoming("partitions")
    @Blocking
    @Transactional
    public void receive(ConsumerRecord<String, byte[]> record) {
        TaskPartition partition = EventCodecs.PARTITION.decode(record.value());
        RecordKeys.requireExperimentKey(record.key(), partition.experimentId());
        if (ReceivedPartition.findById(partition.experimentId()) != null) {
            LOG.debugf("partition of %s already received; duplicate ignored", partition.experimentId());
            return;
        }
        Experiment experiment = Experiment.findById(partition.experimentId());
        if (experiment == null) {
            experiment = Experiment.create(partition.experimentId(), Phase.GROUPED);
        } else {
            experiment.moveTo(Phase.GROUPED);
        }
        ReceivedPartition.of(partition).persist();
    }
}
