package org.mmapmtl.evalservice.dashboard;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.faulttolerance.api.BeforeRetry;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import io.smallrye.faulttolerance.api.RetryWhen;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.Progress;
import org.mmapmtl.events.RecordKeys;
import org.mmapmtl.events.TaskPartition;
import org.mmapmtl.service.DatabaseUnavailable;
import org.mmapmtl.service.IntakeRetryLog;

import java.time.temporal.ChronoUnit;

/**
 * Keeps what the dashboard shows besides scores: every mmap.progress report and each experiment's partition. A record
 * that cannot be read fails here and goes to its topic's dead-letter topic with the reason; the next one is read.
 */
@ApplicationScoped
public class BoardIntake {

    // a record the database cannot take now is kept and tried again (backing off to 10 s) until it can; only a
    // record that can never be stored goes to the dead-letter topic
    @Retry(maxRetries = -1, delay = 200, maxDuration = 0, jitter = 100)
    @ExponentialBackoff(maxDelay = 10, maxDelayUnit = ChronoUnit.SECONDS)
    @RetryWhen(exception = DatabaseUnavailable.class)
    @BeforeRetry(IntakeRetryLog.class)
    @Incoming("progress")
    @Blocking
    public void progress(ConsumerRecord<String, byte[]> record) {
        Progress p = EventCodecs.PROGRESS.decode(record.value());
        RecordKeys.requireExperimentKey(record.key(), p.experimentId());
        // a transaction per attempt: the retry must not run inside one the lost connection broke
        QuarkusTransaction.requiringNew().run(() -> RunProgress.store(p));
    }

    @Retry(maxRetries = -1, delay = 200, maxDuration = 0, jitter = 100)
    @ExponentialBackoff(maxDelay = 10, maxDelayUnit = ChronoUnit.SECONDS)
    @RetryWhen(exception = DatabaseUnavailable.class)
    @BeforeRetry(IntakeRetryLog.class)
    @Incoming("partitions")
    @Blocking
    public void partition(ConsumerRecord<String, byte[]> record) {
        TaskPartition partition = EventCodecs.PARTITION.decode(record.value());
        RecordKeys.requireExperimentKey(record.key(), partition.experimentId());
        QuarkusTransaction.requiringNew().run(() -> ReceivedPartition.storeFirst(partition));
    }
}
