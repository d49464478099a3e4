package org.mmapmtl.groupingservice.experiment;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import org.mmapmtl.grouping.GradientSimilarity;
import org.mmapmtl.grouping.GroupingObjective;
import org.mmapmtl.grouping.PartitionSearch;

import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/** How the service turns complete snapshots into a partition ({@code mmap.grouping.*}, env {@code MMAP_GROUPING_*}). */
@ConfigMapping(prefix = "mmap.grouping")
public interface GroupingSettings {
    /** threshold (default: the data chooses the number of groups), mean-centred, k, all-in-one or singletons */
    @WithDefault("threshold")
    String objective();

    /** the number of groups, for objective k */
    Optional<Integer> k();

    /** τ subtracted per pair by threshold and k; default 0 (mean-centred computes its own) */
    OptionalDouble tau();

    /** cosine (default) or dot */
    @WithDefault("cosine")
    String similarity();

    @WithDefault("18")
    int exactLimit();

    @WithDefault("true")
    boolean allowHeuristic();

    @WithDefault("1")
    long seed();

    @WithDefault("64")
    int restarts();

    /**
     * Most tasks a {@code POST /groupings/solve} request may pose (the local search's cost grows with them); its
     * {@code exactLimit} may not exceed {@link #exactLimit()}, the exact search's memory and time growing as 3^n.
     */
    @WithDefault("64")
    int solveMaxTasks();

    /**
     * {@code POST /groupings/solve} searches running at once (each may take one core for seconds at the exact limit);
     * more are answered 503 with Retry-After instead of queueing
     */
    @WithDefault("2")
    int solveMaxConcurrent();

    /** how often decisions whose send failed are sent again (read by the scheduler's expression) */
    @WithDefault("30s")
    java.time.Duration republishEvery();

    default GroupingObjective groupingObjective() {
        return GroupingObjective.parse(objective(), k().orElse(null), tau().isPresent() ? tau().getAsDouble() : null);
    }

    default GradientSimilarity gradientSimilarity() {
        return GradientSimilarity.valueOf(similarity().trim().toUpperCase(Locale.ROOT));
    }

    default PartitionSearch.Options searchOptions() {
        return new PartitionSearch.Options(exactLimit(), allowHeuristic(), seed(), restarts());
    }
}
