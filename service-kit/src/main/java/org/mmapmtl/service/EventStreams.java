package org.mmapmtl.service;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;

/**
 * The server-sent event streams one service serves: at most {@code mmap.sse.max-streams} at once (env
 * MMAP_SSE_MAX_STREAMS), each for at most {@code mmap.sse.max-lifetime} (env MMAP_SSE_MAX_LIFETIME). The trainer's
 * progress streams and the dashboard's change streams both open theirs here.
 */
@ApplicationScoped
public class EventStreams {
    private final StreamSlots slots;

    EventStreams(@ConfigProperty(name = "mmap.sse.max-streams", defaultValue = "32") int max,
                 @ConfigProperty(name = "mmap.sse.max-lifetime", defaultValue = "1h") Duration lifetime) {
        this.slots = new StreamSlots(max, lifetime, "mmap.sse.max-streams");
    }

    public StreamSlots slots() {
        return slots;
    }
}
