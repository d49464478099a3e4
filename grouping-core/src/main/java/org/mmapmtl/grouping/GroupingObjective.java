package org.mmapmtl.grouping;

import java.util.List;

/**
 * What a partition of tasks into groups should maximise. The paper pairs tasks whose similarity is positive ("a
 * mutual gain effect") and maximises the total intra-group similarity: the default, {@code threshold} with τ = 0,
 * reads it literally. With every similarity positive that gives one group, so {@code mean-centred} (τ = the mean
 * off-diagonal affinity) is there for data where all tasks agree somewhat.
 */
public sealed interface GroupingObjective {

    /** Σ over groups Σ over pairs i&lt;j of (S_ij − τ); τ null means 0, the paper's "sim &gt; 0 is a gain". */
    record Threshold(Double tau) implements GroupingObjective {
        public Threshold {
            checkTau(tau);
        }
    }

    private static void checkTau(Double tau) {
        String problem = tauProblem(tau);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /**
     * What is wrong with a τ a user gives, or null: it must be finite and within ±{@link AffinityMatrix#MAX_MAGNITUDE}
     * (similarities are cosines in [-1, 1]; a larger τ only overflows the search's sums).
     */
    static String tauProblem(Double tau) {
        if (tau == null) {
            return null;
        }
        if (!Double.isFinite(tau)) {
            return "tau must be finite, got " + tau;
        }
        return Math.abs(tau) > AffinityMatrix.MAX_MAGNITUDE
                ? "tau " + tau + " is beyond ±" + AffinityMatrix.MAX_MAGNITUDE + " (similarities are cosines in [-1, 1])"
                : null;
    }

    /** {@link Threshold} with τ = the mean off-diagonal affinity: groups tasks that agree more than average. */
    record MeanCentred() implements GroupingObjective {
    }

    /** Exactly {@code k} non-empty groups maximising Σ over pairs in a group of (S_ij − τ), τ = 0 unless set. */
    record GroupCount(int k, Double tau) implements GroupingObjective {
        public GroupCount {
            if (k < 1) {
                throw new IllegalArgumentException("k must be at least 1, got " + k);
            }
            checkTau(tau);
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

    /** The objective names {@link #parse} accepts. */
    List<String> NAMES = List.of("threshold", "mean-centred", "k", "all-in-one", "singletons");

    /**
     * The objective of a name as written in configuration, requests and the CLI: {@code threshold} (τ optional,
     * default 0), {@code mean-centred} (τ = mean off-diagonal affinity; a given τ is refused), {@code k} (needs k),
     * {@code all-in-one}, {@code singletons}. Random groups need sizes and are built directly.
     */
    static GroupingObjective parse(String name, Integer k, Double tau) {
        String n = name == null ? "threshold" : name.trim().toLowerCase(java.util.Locale.ROOT);
        return switch (n) {
            case "threshold" -> new Threshold(tau);
            case "mean-centred" -> {
                if (tau != null) {
                    throw new IllegalArgumentException("objective 'mean-centred' computes tau from the matrix; "
                            + "drop tau or use objective 'threshold' with it");
                }
                yield new MeanCentred();
            }
            case "k" -> {
                if (k == null) {
                    throw new IllegalArgumentException("objective 'k' needs the number of groups k");
                }
                yield new GroupCount(k, tau);
            }
            case "all-in-one" -> new AllInOne();
            case "singletons" -> new Singletons();
            default -> throw new IllegalArgumentException("unknown objective '" + name
                    + "': use one of " + NAMES);
        };
    }

    /** The τ this objective subtracts per pair for this matrix. */
    static double tau(GroupingObjective objective, AffinityMatrix affinity) {
        if (objective instanceof Threshold t) {
            return t.tau() != null ? t.tau() : 0;
        }
        if (objective instanceof GroupCount g) {
            return g.tau() != null ? g.tau() : 0;
        }
        return affinity.meanOffDiagonal();
    }
}
