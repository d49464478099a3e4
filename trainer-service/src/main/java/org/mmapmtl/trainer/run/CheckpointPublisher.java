package org.mmapmtl.trainer.run;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.mmapmtl.service.OutboxRelay;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** Sends recorded checkpoints to mmap.checkpoints in the order they were recorded (see {@link OutboxRelay}). */
@ApplicationScoped
public class CheckpointPublisher extends OutboxRelay {
    @Inject
    @Channel("checkpoints")
    MutinyEmitter<byte[]> checkpoints;

    public CheckpointPublisher() {
        super("recorded checkpoints", Duration.ofSeconds(20)); // well below the 60 s transaction timeout
    }

    /** Every second, besides the worker's own call after each checkpoint: what a failed round left is sent soon. */
    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    public void publishPending() {
        relay();
    }

    @Override
    protected Optional<Outgoing> lockNext() {
        return lockFirst(CheckpointOutbox.<CheckpointOutbox>find("publishedAt is null order by createdAt"))
                .map(row -> new Outgoing(row.experimentId, row.payload.getBytes(StandardCharsets.UTF_8),
                        "checkpoint of " + row.runId + " epoch " + row.epoch, () -> row.publishedAt = Instant.now()));
    }

    @Override
    protected MutinyEmitter<byte[]> emitter() {
        return checkpoints;
    }
}
