package org.mmapmtl.trainer;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How this instance trains ({@code mmap.trainer.*}, env {@code MMAP_TRAINER_*}). */
@ConfigMapping(prefix = "mmap.trainer")
public interface WorkerSettings {
    /** whether this instance trains runs (false: it only accepts and serves experiments) */
    @WithDefault("true")
    boolean enabled();

    /** a run whose trainer has not renewed its lease for this long is taken over by another trainer */
    @WithDefault("60s")
    Duration lease();

    /** how often an idle trainer looks for work */
    @WithDefault("1s")
    Duration poll();

    /** image decoding threads of a run */
    @WithDefault("2")
    int decodeThreads();

    /** at most one step report per run per this interval reaches mmap.progress */
    @WithDefault("1s")
    Duration progressInterval();

    /**
     * the most runs one submitted experiment may plan (methods × seeds, grouped methods counted at one run per task),
     * so that one request cannot queue days of work by mistake
     */
    @WithDefault("1000")
    int maxRuns();

    /**
     * how long a stopping trainer waits for its run's current step, its resume point and the hand-back of the run;
     * keep it below the platform's kill deadline (Kubernetes: terminationGracePeriodSeconds, 30 s by default) minus
     * {@code quarkus.shutdown.delay}. A run not handed back in time is taken over when its lease lapses.
     */
    @WithDefault("20s")
    Duration shutdownGrace();
}
