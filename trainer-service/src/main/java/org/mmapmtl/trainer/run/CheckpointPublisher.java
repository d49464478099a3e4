package org.mmapmtl.trainer.run;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import org.jboss.logging.Logger;
import org.mmapmtl.events.EventCodecs;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * Sends recorded checkpoints to mmap.checkpoints in the order they were recorded, each marked published in the
 * transaction that locked it once the broker acknowledged it. Rows are locked with SKIP LOCKED, so several trainers
 * never send the same record at once; a send that fails leaves the row for the next round.
 * <p>
 * Delivery is at least once: a trainer that dies between the broker's acknowledgement and the commit sends the
 * record again on its next round (or another trainer does), and consumers ignore a (run, epoch) they already hold. An
 * orderly stop sends no duplicate: it waits for the round in flight, then starts none, so the producer and the
 * database are not closed between a send and its commit.
 */
@ApplicationScoped
public class CheckpointPublisher {
    private static final Logger LOG = Logger.getLogger(CheckpointPublisher.class);

    @Inject
    EventSender sender;

    private volatile boolean closed;

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    public synchronized void publishPending() {
        if (closed) {
            return; // stopping: the rows stay for the next trainer
        }
        try {
            publishAll();
        } catch (RuntimeException e) {
            // the database is away (or the broker slow): the rows stay, and the next round (every second) sends them
            LOG.warnf("recorded checkpoints not published yet (%s); the next round tries again", e.getMessage());
        }
    }

    /**
     * After the worker has stopped its run and sent what it recorded (its observer has the default priority, so it is
     * notified first), and before the Kafka connector and the datasource close: the round in flight ends, no other
     * starts.
     */
    void stop(@Observes @Priority(jakarta.interceptor.Interceptor.Priority.LIBRARY_AFTER) ShutdownEvent event) {
        closed = true;
        synchronized (this) {
            LOG.debug("checkpoint publisher stopped; unsent records stay for the next trainer");
        }
    }

    private void publishAll() {
        boolean more = true;
        while (more && !closed) {
            more = QuarkusTransaction.requiringNew().call(() -> {
                List<CheckpointOutbox> next = CheckpointOutbox.<CheckpointOutbox>find("publishedAt is null order by createdAt")
                        .withLock(LockModeType.PESSIMISTIC_WRITE)
                        .withHint("jakarta.persistence.lock.timeout", -2) // SKIP LOCKED
                        .page(0, 1).list();
                if (next.isEmpty()) {
                    return false;
                }
                CheckpointOutbox row = next.get(0);
                byte[] payload = row.payload.getBytes(StandardCharsets.UTF_8);
                try {
                    sender.checkpoint(EventCodecs.CHECKPOINT.decode(payload).experimentId(), payload);
                } catch (RuntimeException e) {
                    LOG.warnf("checkpoint %s epoch %d not sent yet (%s); will retry", row.runId, row.epoch, e.getMessage());
                    return false;
                }
                row.publishedAt = Instant.now();
                return true;
            });
        }
    }
}
