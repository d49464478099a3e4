package org.mmapmtl.evalservice.scoring;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How this instance evaluates ({@code mmap.eval.*}, env {@code MMAP_EVAL_*}). */
@ConfigMapping(prefix = "mmap.eval")
public interface EvalSettings {
    /** whether this instance evaluates (false: it only records checkpoints and serves results) */
    @WithDefault("true")
    boolean enabled();

    /** a checkpoint whose evaluator has not renewed its lease for this long is evaluated by another instance */
    @WithDefault("120s")
    Duration lease();

    @WithDefault("1s")
    Duration poll();

    /** test images per forward pass */
    @WithDefault("64")
    int batchSize();

    @WithDefault("2")
    int decodeThreads();
}
