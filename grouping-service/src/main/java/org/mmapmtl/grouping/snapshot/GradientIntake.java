package org.mmapmtl.grouping.snapshot;

import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.EventFormatException;
import org.mmapmtl.events.RecordKeys;
import org.mmapmtl.events.GradientSnapshot;

/**
 * Consumes mmap.gradients. A record that cannot be decoded, or that contradicts the experiment's earlier snapshots,
 * fails here and the channel's dead-letter strategy moves it to mmap.gradients.dlq with the reason.
 */
@ApplicationScoped
public class GradientIntake {
    private static final Logger LOG = Logger.getLogger(GradientIntake.class);

    @Incoming("gradients")
    @Blocking
    @Transactional
    public void receive(ConsumerRecord<String, byte[]> record) {
        GradientSnapshot s = EventCodecs.GRADIENT.decode(record.value());
        RecordKeys.requireExperimentKey(record.key(), s.experimentId());
        if (ReceivedSnapshot.find(s.experimentId(), s.task(), s.snapshot()).isPresent()) {
            LOG.debugf("duplicate snapshot %d of task %s in %s ignored", s.snapshot(), s.task(), s.experimentId());
            return;
        }
        ReceivedSnapshot.anyOf(s.experimentId()).ifPresent(earlier -> requireConsistent(earlier, s));
        ReceivedSnapshot.of(s).persist();
    }

    private static void requireConsistent(ReceivedSnapshot earlier, GradientSnapshot s) {
        if (!earlier.taskList().equals(s.tasks())) {
            throw new EventFormatException("snapshot names tasks " + s.tasks() + " but experiment " + s.experimentId()
                    + " was started with tasks " + earlier.taskList());
        }
        if (earlier.snapshots != s.snapshots()) {
            throw new EventFormatException("snapshot announces " + s.snapshots() + " snapshots but experiment "
                    + s.experimentId() + " announced " + earlier.snapshots);
        }
        if (earlier.dimension != s.gradient().length) {
            throw new EventFormatException("gradient has " + s.gradient().length + " values but experiment "
                    + s.experimentId() + " sent " + earlier.dimension + " before: all must flatten the same parameters");
        }
    }
}
