package org.mmapmtl.grouping;

import java.util.List;

/**
 * What a partition of tasks into groups should maximise. The paper groups tasks whose gradients agree; with
 * all similarities positive, "maximise the total intra-group similarity" would always give one group, so the
 * default subtracts a threshold τ per pair and lets the data choose the number of groups (DESIGN §6).
 */
public sealed interface GroupingObjective {

    /** Σ over groups Σ over pairs i&lt;j of (S_ij − τ); τ null means the mean off-diagonal affinity. */
    record Threshold(Double tau) implements GroupingObjective {
        public Threshold {
            if (tau != null && !Double.isFinite(tau)) {
                throw new IllegalArgumentException("tau must be finite, got " + tau);
            }
        }
    }

    /** Exactly {@code k} non-empty groups maximising Σ over pairs in a group of (S_ij − τ), τ = 0 unless set. */
    record GroupCount(int k, Double tau) implements GroupingObjective {
        public GroupCount {
            if (k < 1) {
                throw new IllegalArgumentException("k must be at least 1, got " + k);
            }
            if (tau != null && !Double.isFinite(tau)) {
                throw new IllegalArgumentException("tau must be finite, got " + tau);
            }
        }
    }

    /** The random-grouping ablation: groups of these sizes with members drawn by the seed. */
    record RandomGroups(long seed, List<Integer> sizes) implements GroupingObjective {
        public RandomGroups {
            sizes = List.copyOf(sizes);
            if (sizes.isEmpty() || sizes.stream().anyMatch(s -> s < 1)) {
                throw new IllegalArgumentException("random groups need positive sizes, got " + sizes);
            }
        }
    }

    /** The all-in-one ablation: one group of every task. */
    record AllInOne() implements GroupingObjective {
    }

    /** Single-task training: every task alone. */
    record Singletons() implements GroupingObjective {
    }

    /**
     * The objective of a name as written in configuration, requests and the CLI: {@code threshold} (τ optional),
     * {@code k} (needs k), {@code all-in-one}, {@code singletons}. Random groups need sizes and are built directly.
     */
    static GroupingObjective parse(String name, Integer k, Double tau) {
        String n = name == null ? "threshold" : name.trim().toLowerCase(java.util.Locale.ROOT);
        return switch (n) {
            case "threshold" -> new Threshold(tau);
            case "k" -> {
                if (k == null) {
                    throw new IllegalArgumentException("objective 'k' needs the number of groups k");
                }
                yield new GroupCount(k, tau);
            }
            case "all-in-one" -> new AllInOne();
            case "singletons" -> new Singletons();
            default -> throw new IllegalArgumentException("unknown objective '" + name
                    + "': use threshold, k, all-in-one or singletons");
        };
    }

    /** The τ this objective subtracts per pair for this matrix. */
    static double tau(GroupingObjective objective, AffinityMatrix affinity) {
        if (objective instanceof Threshold t) {
            return t.tau() != null ? t.tau() : affinity.meanOffDiagonal();
        }
        if (objective instanceof GroupCount g) {
            return g.tau() != null ? g.tau() : 0;
        }
        return affinity.meanOffDiagonal();
    }
}
