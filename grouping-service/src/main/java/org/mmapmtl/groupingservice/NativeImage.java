package org.mmapmtl.groupingservice;

import io.quarkus.runtime.annotations.RegisterForReflection;
import org.mmapmtl.events.TaskPartition;

/**
 * Reflection a native image must keep for the event records this service encodes and decodes through the contracts'
 * own ObjectMapper. Quarkus registers only what its REST layer serializes: today GroupingView happens to embed
 * TaskPartition, which registers it too; this keeps a partition publishable if that view changes.
 * {@code NativeSourcesIT} checks the generated configuration (it cannot tell which of the two registered it).
 */
@RegisterForReflection(targets = {TaskPartition.class})
final class NativeImage {
    private NativeImage() {
    }
}
