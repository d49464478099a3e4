package org.mmapmtl.service;

import io.quarkus.hibernate.orm.panache.PanacheQuery;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import jakarta.persistence.LockModeType;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Optional;

/**
 * The sending half of a transactional outbox: rows that a service committed with the change they announce are sent
 * to Kafka in the order of {@link #lockNext()}, one per transaction, and marked sent in the transaction that locked
 * the row once the broker acknowledged the record (acks=all). The row is locked {@code FOR UPDATE SKIP LOCKED}, so
 * replicas never send the same row at once; a send that fails leaves it for the next round.
 * <p>
 * Delivery is at least once: an instance that dies between the acknowledgement and its commit sends the row again
 * (or another instance does), and every consumer ignores a record it already holds. An orderly stop sends no
 * duplicate: it waits for the round in flight, then starts none, before the Kafka connector and the datasource close.
 *
 */
public abstract class OutboxRelay {
    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    private final String what;
    private final Duration ackTimeout;
    private volatile boolean closed;

    /**
     * @param what       what the rows are, for the log ("checkpoint records")
     * @param ackTimeout how long a send may wait for the broker, well below the transaction timeout it waits inside
     */
    protected OutboxRelay(String what, Duration ackTimeout) {
        this.what = what;
        this.ackTimeout = ackTimeout;
    }

    /**
     * A row to send: its record's key (the experiment id, which keeps an experiment's records in one partition, in
     * order), its payload, the row in words for the log ("checkpoint of run x epoch 3"), and what marks it sent (run
     * in the transaction that locked it).
     */
    public record Outgoing(String key, byte[] payload, String description, Runnable markSent) {
    }

    /** The next row to send, locked FOR UPDATE SKIP LOCKED in the current transaction; empty when none is left. */
    protected abstract Optional<Outgoing> lockNext();

    /**
     * The first row of {@code unsent} (a query for the unsent rows in sending order), locked FOR UPDATE SKIP LOCKED:
     * a row another instance is sending is passed over, not waited for.
     */
    protected static <T> Optional<T> lockFirst(PanacheQuery<T> unsent) {
        return unsent.withLock(LockModeType.PESSIMISTIC_WRITE)
                .withHint("jakarta.persistence.lock.timeout", -2) // Hibernate's SKIP LOCKED
                .page(0, 1).firstResultOptional();
    }

    /** The emitter of the rows' topic. */
    protected abstract MutinyEmitter<byte[]> emitter();

    /**
     * Sends every unsent row it can lock, then returns; a failure (the broker slow, the database away) is logged and
     * the rows stay for the next round. Rounds never overlap within an instance.
     */
    public synchronized void relay() {
        try {
            while (!closed && relayOne()) {
                // next row
            }
        } catch (RuntimeException e) {
            LOG.warnf("%s not all sent yet (%s); the next round tries again", what, e.getMessage());
        }
    }

    private boolean relayOne() {
        return QuarkusTransaction.requiringNew().call(() -> {
            Optional<Outgoing> next = lockNext();
            if (next.isEmpty()) {
                return false;
            }
            Outgoing row = next.get();
            Message<byte[]> message = Message.of(row.payload())
                    .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(row.key()).build());
            try {
                // with the transaction suspended: the emitter's threads must not join it, or its commit fails with
                // "multiple threads active"
                QuarkusTransaction.suspendingExisting().run(() -> emitter().sendMessage(message).await().atMost(ackTimeout));
            } catch (RuntimeException e) {
                LOG.warnf("%s not sent yet (%s); the next round tries again", row.description(), e.getMessage());
                return false;
            }
            row.markSent().run();
            return true;
        });
    }

    /**
     * After the application's own shutdown observers (default priority: a trainer's worker stops its run and sends
     * what it recorded first) and before the Kafka connector and the datasource close: the round in flight ends,
     * none starts; unsent rows wait for the next instance.
     */
    void stop(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER) ShutdownEvent event) {
        closed = true;
        synchronized (this) {
            LOG.debugf("%s: relay stopped", what);
        }
    }
}
