package org.mmapmtl.grouping;

import java.util.List;

/**
 * Groups of task indices, in canonical order (each group ascending, groups by their first task), with the
 * objective's score and how it was found.
 *
 * @param tau       the threshold subtracted per pair in {@code score}
 * @param objective a readable name of the objective, e.g. {@code threshold(tau=0.1532)}
 */
public record Partition(List<List<Integer>> groups, double score, double tau, Solver solver, String objective) {
    public enum Solver {
        /** provably optimal: dynamic programming over all subsets */
        EXACT,
        /** seeded local search with restarts: a good partition, not a certificate */
        HEURISTIC,
        /** the grouping is given by the objective itself (all-in-one, singletons, random) */
        FIXED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Partition {
        groups = groups.stream().map(List::copyOf).toList();
    }

    public List<List<String>> named(List<String> tasks) {
        return groups.stream().map(g -> g.stream().map(tasks::get).toList()).toList();
    }
}
