package org.mmapmtl.evalservice.dashboard;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.mmapmtl.service.StreamSlots;

/** The dashboard's change streams this service serves at once ({@code mmap.sse.max-streams}, env MMAP_SSE_MAX_STREAMS). */
@ApplicationScoped
public class ChangeStreams {
    private final StreamSlots slots;

    ChangeStreams(@ConfigProperty(name = "mmap.sse.max-streams", defaultValue = "32") int max) {
        this.slots = new StreamSlots(max, "mmap.sse.max-streams");
    }

    public StreamSlots slots() {
        return slots;
    }
}
