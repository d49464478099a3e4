package org.mmapmtl.service;

import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.core.Response;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A cap on the server-sent event streams a service holds open at once, and on how long each lives. Each stream polls
 * the database while it lives, so without a cap enough open browser tabs or clients would starve the connection pool
 * the service's own work needs; past the cap a new stream is answered 503 problem+json at once. A stream that reaches
 * its lifetime ends normally: an EventSource reconnects by itself, with Last-Event-ID where the stream sets ids, so a
 * forgotten client cannot hold a slot forever.
 */
public final class StreamSlots {
    private final ConcurrencyLimit open;
    private final Duration lifetime;
    private final String setting;

    /**
     * @param lifetime how long one stream may stay open
     * @param setting  the configuration key of {@code max}, named in the refusal
     */
    public StreamSlots(int max, Duration lifetime, String setting) {
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("a stream's lifetime must be positive, got " + lifetime);
        }
        this.open = new ConcurrencyLimit(max);
        this.lifetime = lifetime;
        this.setting = setting;
    }

    /**
     * The stream, holding a slot until it completes, fails, reaches its lifetime or its client goes away; 503 when
     * none is free.
     */
    public <T> Multi<T> open(Supplier<Multi<T>> stream) {
        if (!open.tryEnter()) {
            throw new ProblemException(Problem.of(Response.Status.SERVICE_UNAVAILABLE, open.max() + " event streams are open, "
                    + "the most this service serves at once (" + setting + "); close one or try again later"));
        }
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                open.leave();
            }
        };
        try {
            return stream.get().select().first(lifetime).onTermination().invoke(release);
        } catch (RuntimeException e) {
            release.run();
            throw e;
        }
    }

    public int inUse() {
        return open.inUse();
    }
}
