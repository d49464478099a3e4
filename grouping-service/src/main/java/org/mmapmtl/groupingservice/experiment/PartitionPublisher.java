package org.mmapmtl.groupingservice.experiment;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.TaskPartition;

import java.time.Duration;

/**
 * Sends decided partitions to mmap.partitions and marks them published once the broker acknowledged them.
 * A decision whose send failed stays unpublished and is sent again at start and every
 * {@code mmap.grouping.republish-every}; the trainer ignores a partition it already has.
 */
@ApplicationScoped
public class PartitionPublisher {
    private static final Logger LOG = Logger.getLogger(PartitionPublisher.class);

    @Inject
    @Channel("partitions")
    MutinyEmitter<byte[]> partitions;

    @Inject
    GroupingLedger ledger;

    /**
     * One send at a time, and none for a decision already acknowledged: the intake's send and the scheduled
     * republish of the same decision would otherwise race and send it twice (harmless, consumers dedupe, but noise).
     *
     * @return whether the broker acknowledged the record (now or before)
     */
    public synchronized boolean publish(TaskPartition partition) {
        if (ledger.isPublished(partition.experimentId())) {
            return true;
        }
        Message<byte[]> message = Message.of(EventCodecs.PARTITION.encode(partition))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(partition.experimentId()).build());
        try {
            partitions.sendMessage(message).await().atMost(Duration.ofSeconds(30));
            ledger.markPublished(partition.experimentId());
            return true;
        } catch (RuntimeException e) {
            LOG.warnf("partition of %s not published yet (%s); it will be sent again", partition.experimentId(),
                    e.getMessage());
            return false;
        }
    }

    void onStart(@Observes StartupEvent start) {
        republish();
    }

    @Scheduled(every = "${mmap.grouping.republish-every:30s}", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void republish() {
        for (TaskPartition p : ledger.unpublished()) {
            publish(p);
        }
    }
}
