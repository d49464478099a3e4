package org.mmapmtl.groupingservice.experiment;

import io.smallrye.faulttolerance.api.ApplyGuard;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.GradientSnapshot;
import org.mmapmtl.events.RecordKeys;
import org.mmapmtl.service.IntakeGuard;


/**
 * Consumes mmap.gradients. A record that cannot be decoded, or that contradicts the experiment's earlier snapshots,
 * fails here and the channel's dead-letter strategy moves it to mmap.gradients.dlq with the reason.
 */
@ApplicationScoped
public class GradientIntake {

    @Inject
    GroupingLedger ledger;

    @Inject
    PartitionPublisher publisher;

    @ApplyGuard(IntakeGuard.NAME)
    @Incoming("gradients")
    @Blocking
    public void receive(ConsumerRecord<String, byte[]> record) {
        GradientSnapshot s = EventCodecs.GRADIENT.decode(record.value());
        RecordKeys.requireExperimentKey(record.key(), s.experimentId());
        // publishing happens after the decision is committed; a failed send is retried by the publisher
        ledger.record(s).ifPresent(decided -> publisher.relay());
    }
}
