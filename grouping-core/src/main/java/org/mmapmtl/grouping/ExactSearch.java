package org.mmapmtl.grouping;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The best partition, exactly: dynamic programming over the subsets of tasks (O(3^n) time, 2^n doubles), over all
 * group counts or for exactly k groups. What {@link PartitionSearch} uses up to its exact limit.
 */
final class ExactSearch {
    private static final double EPS = 1e-12;

    private ExactSearch() {
    }

    static Partition solve(AffinityMatrix affinity, double tau, Integer k, String name) {
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
        List<List<Integer>> canonical = PartitionSearch.canonical(groups);
        return new Partition(canonical, PartitionSearch.score(affinity, canonical, tau), tau, Partition.Solver.EXACT, name);
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

    private static List<Integer> bits(int mask) {
        List<Integer> out = new ArrayList<>();
        for (int m = mask; m != 0; m &= m - 1) {
            out.add(Integer.numberOfTrailingZeros(m));
        }
        return out;
    }
}
