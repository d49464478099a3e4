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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An experiment's progress reports as server-sent events, read from the progress log (id = the report's number, so a
 * client reconnecting with Last-Event-ID continues where it stopped); the stream ends a moment after the experiment
 * has ended and every report was sent. One poll every 250 ms reads, for all streamed experiments at once, each one's
 * newest report and whether it has ended; a stream reads the log itself only when there is a report it has not sent,
 * so idle streams cost the database nothing of their own.
 */
@ApplicationScoped
public class ProgressStream {
    private static final int ENDED_POLLS = 4;
    private static final Duration EVERY = Duration.ofMillis(250);

    /** An experiment's newest report number and whether the experiment has ended. */
    record Head(long newest, boolean ended) {
    }

    private SharedPoll<String, Head> heads;

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
        AtomicLong last = new AtomicLong(lastEventId == null ? 0 : lastEventId);
        AtomicLong endedPolls = new AtomicLong();
        return Multi.createFrom().deferred(() -> stream(id, sse, last, endedPolls, heads.register(id)));
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
                    // a second's margin: a report committed late with a lower id is not skipped
                    return Uni.createFrom().item(() -> QuarkusTransaction.requiringNew().call(() ->
                                    ProgressEntry.after(id, last.get(), Instant.now().minusSeconds(1), 200)))
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
