package org.mmapmtl.experiment;

/**
 * Phase 1 of the pipeline and how its gradient snapshots become a partition.
 *
 * @param epochs        epochs of the global MmAP trained on all tasks in phase 1
 * @param snapshots     per-task gradient snapshots sent to the grouping service
 * @param snapshotEvery steps between snapshots; 0 spreads the snapshots evenly over phase 1
 * @param objective     {@code threshold}, {@code k}, {@code all-in-one} or {@code singletons} (see the grouping service)
 * @param k             number of groups, for objective {@code k}
 * @param tau           τ subtracted per pair; null = the objective's default
 * @param similarity    {@code cosine} or {@code dot}
 */
public record GroupingSpec(int epochs, int snapshots, int snapshotEvery, String objective, Integer k, Double tau,
                           String similarity) {
    public static GroupingSpec defaults() {
        return new GroupingSpec(1, 4, 0, "threshold", null, null, "cosine");
    }

    public GroupingSpec withSnapshotEvery(int every) {
        return new GroupingSpec(epochs, snapshots, every, objective, k, tau, similarity);
    }
}
