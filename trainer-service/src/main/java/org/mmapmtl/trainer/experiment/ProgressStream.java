package org.mmapmtl.trainer.experiment;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.mmapmtl.trainer.progress.ProgressEntry;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An experiment's progress reports as server-sent events, read from the progress log every 250 ms (id = the report's
 * number, so a client reconnecting with Last-Event-ID continues where it stopped); the stream ends a moment after the
 * experiment has ended and every report was sent.
 */
@ApplicationScoped
public class ProgressStream {
    private static final int ENDED_POLLS = 4;

    public Multi<OutboundSseEvent> events(String id, Sse sse, Long lastEventId) {
        AtomicLong last = new AtomicLong(lastEventId == null ? 0 : lastEventId);
        AtomicLong endedPolls = new AtomicLong();
        return Multi.createFrom().ticks().every(Duration.ofMillis(250))
                .onOverflow().drop() // a slow database or client skips ticks instead of failing the stream
                .onItem().transformToUniAndConcatenate(tick -> Uni.createFrom().item(() ->
                        QuarkusTransaction.requiringNew().call(() -> {
                            // a second's margin: a report committed late with a lower id is not skipped
                            List<ProgressEntry> next = ProgressEntry.after(id, last.get(), Instant.now().minusSeconds(1), 200);
                            if (next.isEmpty() && Experiment.<Experiment>findById(id).phase.terminal()
                                    && !ProgressEntry.anyAfter(id, last.get())) {
                                endedPolls.incrementAndGet();
                            }
                            return next;
                        })).runSubscriptionOn(Infrastructure.getDefaultWorkerPool()))
                .select().first(tick -> endedPolls.get() < ENDED_POLLS)
                .onItem().transformToIterable(entries -> entries)
                .map(entry -> {
                    last.set(Math.max(last.get(), entry.id));
                    return sse.newEventBuilder().id(Long.toString(entry.id)).name("progress")
                            .data(String.class, entry.payload).build();
                });
    }
}
