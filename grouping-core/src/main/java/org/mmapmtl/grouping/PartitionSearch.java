package org.mmapmtl.grouping;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Finds the partition of tasks into groups that maximises Σ over groups Σ over pairs i&lt;j of (S_ij − τ):
 * exactly, by dynamic programming over subsets (O(3^n)), up to {@link Options#exactLimit()} tasks, and by a
 * seeded local search with restarts above it.
 */
public final class PartitionSearch {
    public static final int DEFAULT_EXACT_LIMIT = 18;
    /** 2^n doubles per table: beyond 24 tasks the exact tables no longer fit a sensible heap. */
    public static final int MAX_EXACT_LIMIT = 24;
    private static final double EPS = 1e-12;

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
            return exact(affinity, tau, k, name);
        }
        if (!options.allowHeuristic()) {
            throw new IllegalArgumentException(n + " tasks exceed the exact search limit of " + options.exactLimit()
                    + "; allow the heuristic or raise the limit (at most " + MAX_EXACT_LIMIT + ")");
        }
        return heuristic(affinity, tau, k, options.seed(), options.restarts(), name);
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

    static Partition exact(AffinityMatrix affinity, double tau, Integer k, String name) {
        int n = affinity.size();
        int full = (1 << n) - 1;
        double[] weight = groupWeights(affinity, tau);
        List<List<Integer>> groups = new ArrayList<>();
        if (k == null) {
            double[] best = new double[full + 1];
            int[] choice = new int[full + 1];
            for (int mask = 1; mask <= full; mask++) {
                int low = mask & -mask;
                int rest = mask ^ low;
                double top = Double.NEGATIVE_INFINITY;
                int topGroup = mask;
                // the group holding the lowest task is enumerated from largest to smallest; ties keep the first
                for (int sub = rest; ; sub = (sub - 1) & rest) {
                    double candidate = weight[sub | low] + best[rest ^ sub];
                    if (candidate > top + EPS) {
                        top = candidate;
                        topGroup = sub | low;
                    }
                    if (sub == 0) {
                        break;
                    }
                }
                best[mask] = top;
                choice[mask] = topGroup;
            }
            for (int mask = full; mask != 0; mask ^= choice[mask]) {
                groups.add(bits(choice[mask]));
            }
        } else {
            // best[c][mask]: the best split of mask into exactly c + 1 groups
            double[][] best = new double[k][];
            int[][] choice = new int[k][];
            best[0] = weight;
            for (int c = 1; c < k; c++) {
                best[c] = new double[full + 1];
                choice[c] = new int[full + 1];
                Arrays.fill(best[c], Double.NEGATIVE_INFINITY);
                for (int mask = 1; mask <= full; mask++) {
                    if (Integer.bitCount(mask) < c + 1) {
                        continue;
                    }
                    int low = mask & -mask;
                    int rest = mask ^ low;
                    double top = Double.NEGATIVE_INFINITY;
                    int topGroup = 0;
                    for (int sub = rest; ; sub = (sub - 1) & rest) {
                        int remainder = rest ^ sub;
                        if (remainder != 0) {
                            double candidate = weight[sub | low] + best[c - 1][remainder];
                            if (candidate > top + EPS) {
                                top = candidate;
                                topGroup = sub | low;
                            }
                        }
                        if (sub == 0) {
                            break;
                        }
                    }
                    best[c][mask] = top;
                    choice[c][mask] = topGroup;
                }
            }
            int mask = full;
            for (int c = k - 1; c > 0; c--) {
                groups.add(bits(choice[c][mask]));
                mask ^= choice[c][mask];
            }
            groups.add(bits(mask));
        }
        List<List<Integer>> canonical = canonical(groups);
        return new Partition(canonical, score(affinity, canonical, tau), tau, Partition.Solver.EXACT, name);
    }

    /** weight[mask] = Σ over pairs i&lt;j in mask of (S_ij − τ), built from mask without its lowest task. */
    private static double[] groupWeights(AffinityMatrix affinity, double tau) {
        int n = affinity.size();
        double[][] s = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                s[i][j] = affinity.at(i, j) - tau;
            }
        }
        double[] weight = new double[1 << n];
        for (int mask = 1; mask < weight.length; mask++) {
            int low = Integer.numberOfTrailingZeros(mask);
            int rest = mask & (mask - 1);
            double w = weight[rest];
            for (int r = rest; r != 0; r &= r - 1) {
                w += s[low][Integer.numberOfTrailingZeros(r)];
            }
            weight[mask] = w;
        }
        return weight;
    }

    static Partition heuristic(AffinityMatrix affinity, double tau, Integer k, long seed, int restarts, String name) {
        int n = affinity.size();
        double[][] s = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                s[i][j] = i == j ? 0 : affinity.at(i, j) - tau;
            }
        }
        Random random = new Random(seed);
        int[] bestAssignment = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < restarts; r++) {
            int[] group = r == 0 ? greedy(s, k) : randomStart(n, k, random);
            LocalSearch search = new LocalSearch(s, group, k);
            search.run();
            double score = search.score();
            if (score > bestScore + EPS) {
                bestScore = score;
                bestAssignment = search.group.clone();
            }
        }
        List<List<Integer>> canonical = canonical(toGroups(bestAssignment));
        return new Partition(canonical, score(affinity, canonical, tau), tau, Partition.Solver.HEURISTIC, name);
    }

    /** Each task in turn joins the group it gains most from, or starts a new one (while fewer than k exist). */
    private static int[] greedy(double[][] s, Integer k) {
        int n = s.length;
        int[] group = new int[n];
        int groups = 0;
        for (int t = 0; t < n; t++) {
            int target = -1;
            double gain = k == null ? 0 : Double.NEGATIVE_INFINITY;
            boolean mustOpen = k != null && n - t <= k - groups;
            for (int g = 0; g < groups && !mustOpen; g++) {
                double c = 0;
                for (int j = 0; j < t; j++) {
                    if (group[j] == g) {
                        c += s[t][j];
                    }
                }
                if (c > gain + EPS) {
                    gain = c;
                    target = g;
                }
            }
            if (target < 0 && k != null && groups == k) {
                target = 0;
            }
            group[t] = target < 0 ? groups++ : target;
        }
        return group;
    }

    private static int[] randomStart(int n, Integer k, Random random) {
        int[] group = new int[n];
        int groups = k != null ? k : 1 + random.nextInt(n);
        List<Integer> order = range(n);
        Collections.shuffle(order, random);
        for (int i = 0; i < n; i++) {
            // the first `groups` tasks open one group each, so no group is empty
            group[order.get(i)] = i < groups ? i : random.nextInt(groups);
        }
        return group;
    }

    /** First-improvement local search: move a task, swap two tasks, merge two groups (merges only without k). */
    private static final class LocalSearch {
        final double[][] s;
        final int[] group;
        final Integer k;
        final int n;

        LocalSearch(double[][] s, int[] group, Integer k) {
            this.s = s;
            this.group = group;
            this.k = k;
            this.n = s.length;
        }

        double link(int t, int g) {
            double c = 0;
            for (int j = 0; j < n; j++) {
                if (j != t && group[j] == g) {
                    c += s[t][j];
                }
            }
            return c;
        }

        int size(int g) {
            int c = 0;
            for (int x : group) {
                if (x == g) {
                    c++;
                }
            }
            return c;
        }

        int freeLabel() {
            boolean[] used = new boolean[n + 1];
            for (int x : group) {
                used[x] = true;
            }
            int g = 0;
            while (used[g]) {
                g++;
            }
            return g;
        }

        void run() {
            boolean improved = true;
            while (improved) {
                improved = moves() || swaps() || (k == null && merges());
            }
        }

        boolean moves() {
            for (int t = 0; t < n; t++) {
                int from = group[t];
                double stay = link(t, from);
                boolean alone = size(from) == 1;
                if (k != null && alone) {
                    continue;
                }
                for (int g : labels()) {
                    if (g != from && link(t, g) > stay + EPS) {
                        group[t] = g;
                        return true;
                    }
                }
                if (k == null && !alone && stay < -EPS) {
                    group[t] = freeLabel();
                    return true;
                }
            }
            return false;
        }

        boolean swaps() {
            for (int t = 0; t < n; t++) {
                for (int u = t + 1; u < n; u++) {
                    int a = group[t];
                    int b = group[u];
                    if (a == b) {
                        continue;
                    }
                    double gain = link(t, b) - s[t][u] + link(u, a) - s[u][t] - link(t, a) - link(u, b);
                    if (gain > EPS) {
                        group[t] = b;
                        group[u] = a;
                        return true;
                    }
                }
            }
            return false;
        }

        boolean merges() {
            int[] labels = labels();
            for (int x = 0; x < labels.length; x++) {
                for (int y = x + 1; y < labels.length; y++) {
                    double gain = 0;
                    for (int i = 0; i < n; i++) {
                        if (group[i] == labels[x]) {
                            gain += link(i, labels[y]);
                        }
                    }
                    if (gain > EPS) {
                        for (int i = 0; i < n; i++) {
                            if (group[i] == labels[y]) {
                                group[i] = labels[x];
                            }
                        }
                        return true;
                    }
                }
            }
            return false;
        }

        int[] labels() {
            return Arrays.stream(group).distinct().sorted().toArray();
        }

        double score() {
            double total = 0;
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    if (group[i] == group[j]) {
                        total += s[i][j];
                    }
                }
            }
            return total;
        }
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

    private static List<List<Integer>> toGroups(int[] assignment) {
        List<List<Integer>> groups = new ArrayList<>();
        for (int g : Arrays.stream(assignment).distinct().toArray()) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < assignment.length; i++) {
                if (assignment[i] == g) {
                    members.add(i);
                }
            }
            groups.add(members);
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

    private static List<Integer> bits(int mask) {
        List<Integer> out = new ArrayList<>();
        for (int m = mask; m != 0; m &= m - 1) {
            out.add(Integer.numberOfTrailingZeros(m));
        }
        return out;
    }

    private static List<Integer> range(int n) {
        List<Integer> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(i);
        }
        return out;
    }
}
