package org.mmapmtl.groupingservice.experiment;

import io.smallrye.common.annotation.Blocking;
import io.smallrye.faulttolerance.api.BeforeRetry;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import io.smallrye.faulttolerance.api.RetryWhen;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.GradientSnapshot;
import org.mmapmtl.events.RecordKeys;
import org.mmapmtl.service.DatabaseUnavailable;
import org.mmapmtl.service.IntakeRetryLog;

import java.time.temporal.ChronoUnit;

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

    // a record the database cannot take now is kept and tried again (backing off to 10 s) until it can; only a
    // record that can never be stored goes to the dead-letter topic
    @Retry(maxRetries = -1, delay = 200, maxDuration = 0, jitter = 100)
    @ExponentialBackoff(maxDelay = 10, maxDelayUnit = ChronoUnit.SECONDS)
    @RetryWhen(exception = DatabaseUnavailable.class)
    @BeforeRetry(IntakeRetryLog.class)
    @Incoming("gradients")
    @Blocking
    public void receive(ConsumerRecord<String, byte[]> record) {
        GradientSnapshot s = EventCodecs.GRADIENT.decode(record.value());
        RecordKeys.requireExperimentKey(record.key(), s.experimentId());
        // publishing happens after the decision is committed; a failed send is retried by the publisher
        ledger.record(s).ifPresent(publisher::publish);
    }
}
