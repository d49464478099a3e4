package org.mmapmtl.groupingservice;

import io.quarkus.runtime.annotations.RegisterForReflection;
import org.mmapmtl.events.TaskPartition;

/**
 * Reflection a native image must keep beyond what Quarkus finds by itself: the event records this service encodes and
 * decodes through the contracts' own ObjectMapper (Quarkus registers only what its REST layer serializes, and a
 * partition must be publishable even if no endpoint returns one). {@code NativeSourcesIT} checks the generated
 * configuration.
 */
@RegisterForReflection(targets = {TaskPartition.class})
final class NativeImage {
    private NativeImage() {
    }
}
