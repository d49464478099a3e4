package org.mmapmtl.trainer.experiment;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.mmapmtl.service.SharedPoll;
import org.mmapmtl.trainer.progress.ProgressEntry;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An experiment's progress reports as server-sent events, read from the progress log (id = the report's number, so a
 * client reconnecting with Last-Event-ID continues where it stopped); the stream ends a moment after the experiment
 * has ended and every report was sent. One poll every 250 ms reads, for all streamed experiments at once, each one's
 * newest report and whether it has ended, so idle streams cost the database nothing of their own. New reports are
 * read once per experiment for all the streams that have sent everything before them (its {@link Tail}); only a stream
 * that is behind (a new one, or one reconnecting from an old event) reads the log itself until it has caught up.
 */
@ApplicationScoped
public class ProgressStream {
    private static final int ENDED_POLLS = 4;
    private static final Duration EVERY = Duration.ofMillis(250);

    /** An experiment's newest report number and whether the experiment has ended. */
    record Head(long newest, boolean ended) {
    }

    private SharedPoll<String, Head> heads;
    private final Map<String, Tail> tails = new ConcurrentHashMap<>();
    /** Streams reading the log themselves (behind: new, or reconnecting from an old event) at once, at most. */
    private final java.util.concurrent.Semaphore ownReads = new java.util.concurrent.Semaphore(4);

    @PostConstruct
    void start() {
        heads = new SharedPoll<>(ProgressStream::heads, EVERY, "progress heads");
    }

    void stop(@Observes ShutdownEvent event) {
        heads.close();
    }

    static Map<String, Head> heads(Set<String> experimentIds) {
        return QuarkusTransaction.requiringNew().call(() -> {
            List<String> ids = List.copyOf(experimentIds);
            // the phase first: every report committed before the experiment ended is then among those counted
            Map<String, Boolean> ended = new LinkedHashMap<>();
            for (Experiment e : Experiment.<Experiment>list("id in ?1", ids)) {
                ended.put(e.id, e.phase.terminal());
            }
            Map<String, Long> newest = new LinkedHashMap<>();
            for (Object[] row : ProgressEntry.getEntityManager().createQuery("select p.experimentId, max(p.id) from "
                    + "ProgressEntry p where p.experimentId in ?1 group by p.experimentId", Object[].class)
                    .setParameter(1, ids).getResultList()) {
                newest.put((String) row[0], (Long) row[1]);
            }
            Map<String, Head> out = new LinkedHashMap<>();
            ended.forEach((id, done) -> out.put(id, new Head(newest.getOrDefault(id, 0L), done)));
            return out;
        });
    }

    public Multi<OutboundSseEvent> events(String id, Sse sse, Long lastEventId) {
        // report numbers start at 1: an event id below 0 means "from the start", as none does
        AtomicLong last = new AtomicLong(lastEventId == null ? 0 : Math.max(0, lastEventId));
        AtomicLong endedPolls = new AtomicLong();
        return Multi.createFrom().deferred(() -> {
            tails.compute(id, (key, tail) -> (tail == null ? new Tail() : tail).join());
            AutoCloseable registration;
            try {
                registration = heads.register(id);
            } catch (RuntimeException e) {
                leave(id);
                throw e;
            }
            return stream(id, sse, last, endedPolls, () -> {
                try {
                    registration.close();
                } finally {
                    leave(id);
                }
            });
        });
    }

    private void leave(String id) {
        tails.computeIfPresent(id, (key, tail) -> tail.leave() ? null : tail);
    }

    /**
     * The reports after {@code last} that this stream has not sent: from the experiment's tail, or its own read. A
     * stream that would wait, for the tail's read of another stream or for one of the few own reads at a time, sends
     * nothing this tick and asks again at the next, so waiting streams hold no worker thread or connection.
     */
    private List<ProgressEntry> unsent(String id, long last) {
        Tail tail = tails.get(id);
        if (tail != null) {
            Optional<List<ProgressEntry>> shared = tail.after(last, to -> QuarkusTransaction.requiringNew().call(() ->
                    ProgressEntry.after(id, to, settled(), Tail.CAPACITY)));
            if (shared.isPresent()) {
                return shared.get();
            }
        }
        if (!ownReads.tryAcquire()) {
            return List.of();
        }
        try {
            return QuarkusTransaction.requiringNew().call(() -> ProgressEntry.after(id, last, settled(), 200));
        } finally {
            ownReads.release();
        }
    }

    /** A second's margin: a report committed late with a lower id is not skipped. */
    private static Instant settled() {
        return Instant.now().minusSeconds(1);
    }

    /**
     * An experiment's newest reports, kept for its streams: every settled report after {@code from} up to {@code to}
     * (at most {@link #CAPACITY}), read at most once per poll period whoever asks. It starts at the position of the
     * first stream that asks; a stream between {@code from} and {@code to} takes its reports from here, one outside
     * (behind, or ahead of a tail that is still catching up) reads its own.
     */
    static final class Tail {
        static final int CAPACITY = 256;
        private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
        private final ArrayDeque<ProgressEntry> entries = new ArrayDeque<>();
        private int streams;
        private boolean started;
        private long from;
        private long to;
        private long readAt;

        synchronized Tail join() {
            streams++;
            return this;
        }

        /** @return whether no stream is left */
        synchronized boolean leave() {
            return --streams == 0;
        }

        /**
         * The reports after {@code last}, reading the log's newer ones ({@code newer} of the tail's {@code to}) first
         * if the last read is a poll period old; a list with nothing when another stream holds the tail (it is
         * reading); empty when {@code last} is outside what this tail holds.
         */
        Optional<List<ProgressEntry>> after(long last, java.util.function.LongFunction<List<ProgressEntry>> newer) {
            if (!lock.tryLock()) {
                return Optional.of(List.of());
            }
            try {
                if (!started) {
                    started = true;
                    from = last;
                    to = last;
                    readAt = System.nanoTime() - EVERY.toNanos();
                }
                if (System.nanoTime() - readAt >= EVERY.toNanos()) {
                    readAt = System.nanoTime();
                    for (ProgressEntry e : newer.apply(to)) {
                        entries.addLast(e);
                        to = Math.max(to, e.id);
                    }
                    while (entries.size() > CAPACITY) {
                        from = entries.removeFirst().id;
                    }
                }
                // after the read: it may have dropped reports this stream has not sent
                if (last < from || last > to) {
                    return Optional.empty();
                }
                List<ProgressEntry> out = new ArrayList<>();
                for (ProgressEntry e : entries) {
                    if (e.id > last) {
                        out.add(e);
                    }
                }
                return Optional.of(out);
            } finally {
                lock.unlock();
            }
        }
    }

    private Multi<OutboundSseEvent> stream(String id, Sse sse, AtomicLong last, AtomicLong endedPolls,
                                           AutoCloseable registration) {
        return Multi.createFrom().ticks().every(EVERY)
                .onOverflow().drop() // a slow database or client skips ticks instead of failing the stream
                .onItem().transformToUniAndConcatenate(tick -> {
                    Optional<Head> head = heads.latest(id);
                    if (head.isEmpty()) {
                        return Uni.createFrom().item(List.<ProgressEntry>of()); // before the first poll
                    }
                    if (head.get().newest() <= last.get()) {
                        if (head.get().ended()) {
                            endedPolls.incrementAndGet();
                        }
                        return Uni.createFrom().item(List.<ProgressEntry>of()); // nothing unsent: no query
                    }
                    endedPolls.set(0);
                    return Uni.createFrom().item(() -> unsent(id, last.get()))
                            .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
                })
                .select().first(tick -> endedPolls.get() < ENDED_POLLS)
                .onItem().transformToIterable(entries -> entries)
                .map(entry -> {
                    last.set(Math.max(last.get(), entry.id));
                    return sse.newEventBuilder().id(Long.toString(entry.id)).name("progress")
                            .data(String.class, entry.payload).build();
                })
                .onTermination().invoke(() -> {
                    try {
                        registration.close();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
    }
}
