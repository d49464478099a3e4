package org.mmapmtl.grouping;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Finds the partition of tasks into groups that maximises Σ over groups Σ over pairs i&lt;j of (S_ij − τ):
 * exactly ({@link ExactSearch}, dynamic programming over subsets, O(3^n)) up to {@link Options#exactLimit()} tasks,
 * and by a seeded local search with restarts ({@link HeuristicSearch}) above it; the ablations' fixed partitions
 * (all-in-one, singletons, random groups) are scored the same way.
 */
public final class PartitionSearch {
    public static final int DEFAULT_EXACT_LIMIT = 18;
    /** 2^n doubles per table: beyond 24 tasks the exact tables no longer fit a sensible heap. */
    public static final int MAX_EXACT_LIMIT = 24;

    /**
     * @param exactLimit     the largest task count solved exactly
     * @param allowHeuristic whether larger problems fall back to the heuristic instead of failing
     * @param seed           seeds the heuristic's restarts and the random-groups ablation
     * @param restarts       heuristic restarts (the first starts from a greedy partition)
     */
    public record Options(int exactLimit, boolean allowHeuristic, long seed, int restarts) {
        public Options {
            if (exactLimit < 0 || exactLimit > MAX_EXACT_LIMIT) {
                throw new IllegalArgumentException("exactLimit must be within 0.." + MAX_EXACT_LIMIT + ", got " + exactLimit);
            }
            if (restarts < 1) {
                throw new IllegalArgumentException("restarts must be at least 1, got " + restarts);
            }
        }

        public static Options defaults() {
            return new Options(DEFAULT_EXACT_LIMIT, true, 1, 64);
        }
    }

    private PartitionSearch() {
    }

    public static Partition solve(AffinityMatrix affinity, GroupingObjective objective, Options options) {
        int n = affinity.size();
        double tau = GroupingObjective.tau(objective, affinity);
        if (objective instanceof GroupingObjective.AllInOne) {
            return fixed(affinity, List.of(range(n)), tau, "all-in-one");
        }
        if (objective instanceof GroupingObjective.Singletons) {
            List<List<Integer>> groups = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                groups.add(List.of(i));
            }
            return fixed(affinity, groups, tau, "singletons");
        }
        if (objective instanceof GroupingObjective.RandomGroups r) {
            return fixed(affinity, randomGroups(n, r), tau, "random(seed=" + r.seed() + ")");
        }
        Integer k = objective instanceof GroupingObjective.GroupCount g ? g.k() : null;
        if (k != null && k > n) {
            throw new IllegalArgumentException("k = " + k + " groups need at least " + k + " tasks, there are " + n);
        }
        String name = k == null ? String.format(Locale.ROOT, "%s(tau=%.6g)",
                objective instanceof GroupingObjective.MeanCentred ? "mean-centred" : "threshold", tau)
                : String.format(Locale.ROOT, "k=%d(tau=%.6g)", k, tau);
        if (n <= options.exactLimit()) {
            return ExactSearch.solve(affinity, tau, k, name);
        }
        if (!options.allowHeuristic()) {
            throw new IllegalArgumentException(n + " tasks exceed the exact search limit of " + options.exactLimit()
                    + "; allow the heuristic or raise the limit (at most " + MAX_EXACT_LIMIT + ")");
        }
        return HeuristicSearch.solve(affinity, tau, k, options.seed(), options.restarts(), name);
    }

    /** Σ over groups Σ over pairs in a group of (S_ij − τ). */
    public static double score(AffinityMatrix affinity, List<List<Integer>> groups, double tau) {
        double s = 0;
        for (List<Integer> g : groups) {
            for (int a = 0; a < g.size(); a++) {
                for (int b = a + 1; b < g.size(); b++) {
                    s += affinity.at(g.get(a), g.get(b)) - tau;
                }
            }
        }
        return s;
    }

    private static Partition fixed(AffinityMatrix affinity, List<List<Integer>> groups, double tau, String name) {
        List<List<Integer>> canonical = canonical(groups);
        return new Partition(canonical, score(affinity, canonical, tau), tau, Partition.Solver.FIXED, name);
    }

    /**
     * SplitMix64's finaliser. java.util.Random's first draws follow its seed closely: seeded 1, 2, 3, ... a shuffle of
     * four tasks put the same task last every time, so "random" groups of seeds 1-3 were one and the same grouping.
     */
    static long mixed(long seed) {
        long z = seed + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static List<List<Integer>> randomGroups(int n, GroupingObjective.RandomGroups r) {
        int total = r.sizes().stream().mapToInt(Integer::intValue).sum();
        if (total != n) {
            throw new IllegalArgumentException("random group sizes " + r.sizes() + " add up to " + total
                    + " but there are " + n + " tasks");
        }
        List<Integer> order = range(n);
        Collections.shuffle(order, new Random(mixed(r.seed())));
        List<List<Integer>> groups = new ArrayList<>();
        int at = 0;
        for (int size : r.sizes()) {
            groups.add(order.subList(at, at + size));
            at += size;
        }
        return groups;
    }

    static List<List<Integer>> canonical(List<List<Integer>> groups) {
        List<List<Integer>> sorted = new ArrayList<>();
        for (List<Integer> g : groups) {
            List<Integer> copy = new ArrayList<>(g);
            Collections.sort(copy);
            sorted.add(List.copyOf(copy));
        }
        sorted.sort(Comparator.comparing(g -> g.get(0)));
        return List.copyOf(sorted);
    }

    static List<Integer> range(int n) {
        List<Integer> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(i);
        }
        return out;
    }
}
