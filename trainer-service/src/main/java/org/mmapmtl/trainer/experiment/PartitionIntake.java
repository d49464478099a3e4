package org.mmapmtl.trainer.experiment;

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
import org.mmapmtl.events.RecordKeys;
import org.mmapmtl.events.TaskPartition;
import org.mmapmtl.service.DatabaseUnavailable;
import org.mmapmtl.service.IntakeRetryLog;

import java.time.temporal.ChronoUnit;

/**
 * Consumes mmap.partitions: the groups that phase 2 trains. It only records them and queues the phase-2 runs (one
 * short transaction); trainers pick the runs up. Undecodable records, and partitions of other tasks than the
 * experiment's, fail here and go to mmap.partitions.dlq with the reason; a second partition changes nothing.
 */
@ApplicationScoped
public class PartitionIntake {
    @Inject
    Experiments experiments;

    // a record the database cannot take now is kept and tried again (backing off to 10 s) until it can; only a
    // record that can never be stored goes to the dead-letter topic
    @Retry(maxRetries = -1, delay = 200, maxDuration = 0, jitter = 100)
    @ExponentialBackoff(maxDelay = 10, maxDelayUnit = ChronoUnit.SECONDS)
    @RetryWhen(exception = DatabaseUnavailable.class)
    @BeforeRetry(IntakeRetryLog.class)
    @Incoming("partitions")
    @Blocking
    public void receive(ConsumerRecord<String, byte[]> record) {
        TaskPartition partition = EventCodecs.PARTITION.decode(record.value());
        RecordKeys.requireExperimentKey(record.key(), partition.experimentId());
        experiments.partitionDecided(partition);
    }
}
