package org.mmapmtl.service;

import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.core.Response;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A cap on the server-sent event streams a service holds open at once. Each stream polls the database while it
 * lives, so without a cap enough open browser tabs or clients would starve the connection pool the service's own
 * work needs; past the cap a new stream is answered 503 problem+json at once.
 */
public final class StreamSlots {
    private final AtomicInteger open = new AtomicInteger();
    private final int max;
    private final String setting;

    /** @param setting the configuration key of {@code max}, named in the refusal */
    public StreamSlots(int max, String setting) {
        this.max = max;
        this.setting = setting;
    }

    /** The stream, holding a slot until it completes, fails or its client goes away; 503 when none is free. */
    public <T> Multi<T> open(Supplier<Multi<T>> stream) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            throw new ProblemException(Problem.of(Response.Status.SERVICE_UNAVAILABLE, max + " event streams are open, "
                    + "the most this service serves at once (" + setting + "); close one or try again later"));
        }
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                open.decrementAndGet();
            }
        };
        try {
            return stream.get().onTermination().invoke(release);
        } catch (RuntimeException e) {
            release.run();
            throw e;
        }
    }

    public int inUse() {
        return open.get();
    }
}
