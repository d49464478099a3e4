package org.mmapmtl.evalservice.dashboard;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.mmapmtl.service.StreamSlots;

import java.time.Duration;

/**
 * The dashboard's change streams this service serves at once ({@code mmap.sse.max-streams}, env MMAP_SSE_MAX_STREAMS), each for at most
 * {@code mmap.sse.max-lifetime} (env MMAP_SSE_MAX_LIFETIME).
 */
@ApplicationScoped
public class ChangeStreams {
    private final StreamSlots slots;

    ChangeStreams(@ConfigProperty(name = "mmap.sse.max-streams", defaultValue = "32") int max,
                  @ConfigProperty(name = "mmap.sse.max-lifetime", defaultValue = "1h") Duration lifetime) {
        this.slots = new StreamSlots(max, lifetime, "mmap.sse.max-streams");
    }

    public StreamSlots slots() {
        return slots;
    }
}
