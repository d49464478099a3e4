package org.mmapmtl.grouping;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A good partition when there are too many tasks for {@link ExactSearch}: a greedy start and seeded random restarts,
 * each improved by first-improvement local search (move a task, swap two, merge two groups), the best kept.
 */
final class HeuristicSearch {
    private static final double EPS = 1e-12;

    private HeuristicSearch() {
    }

    static Partition solve(AffinityMatrix affinity, double tau, Integer k, long seed, int restarts, String name) {
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
        List<List<Integer>> canonical = PartitionSearch.canonical(toGroups(bestAssignment));
        return new Partition(canonical, PartitionSearch.score(affinity, canonical, tau), tau, Partition.Solver.HEURISTIC, name);
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
        List<Integer> order = PartitionSearch.range(n);
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
}
