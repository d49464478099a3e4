package org.mmapmtl.groupingservice.experiment;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.mmapmtl.service.OutboxRelay;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Sends decided partitions to mmap.partitions (see {@link OutboxRelay}: the decision row is the outbox): right after
 * the intake committed a decision, at start, and every {@code mmap.grouping.republish-every} for what a failed send
 * left; the trainer ignores a partition it already has.
 */
@ApplicationScoped
public class PartitionPublisher extends OutboxRelay {
    @Inject
    @Channel("partitions")
    MutinyEmitter<byte[]> partitions;

    public PartitionPublisher() {
        super("decided partitions", Duration.ofSeconds(30));
    }

    void onStart(@Observes StartupEvent start) {
        relay();
    }

    @Scheduled(every = "${mmap.grouping.republish-every:30s}", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void republish() {
        relay();
    }

    @Override
    protected Optional<Outgoing> lockNext() {
        return lockFirst(GroupingDecision.<GroupingDecision>find("publishedAt is null order by decidedAt"))
                .map(row -> new Outgoing(row.experimentId, row.payload.getBytes(StandardCharsets.UTF_8),
                        "partition of " + row.experimentId, () -> row.publishedAt = Instant.now()));
    }

    @Override
    protected MutinyEmitter<byte[]> emitter() {
        return partitions;
    }
}
