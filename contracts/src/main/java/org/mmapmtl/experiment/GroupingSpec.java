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
 * @param phase1        {@code first-seed} (one phase 1, with the first seed, whose partition every seed's phase 2
 *                      uses; ours, the paper does not say) or {@code per-seed} (a phase 1 and a partition per seed,
 *                      each seed's phase 2 on its own); null, as in specs written before the choice, reads as first-seed
 * @param precision     phase 1's precision, {@code fp32} or {@code bf16}; null takes the recipe's. With the recipe in
 *                      bf16, {@code fp32} keeps the partition float32's: phase 1's trajectory amplifies bf16's
 *                      rounding into other affinities (docs/methods.md, "Mixed precision")
 */
public record GroupingSpec(int epochs, int snapshots, int snapshotEvery, String objective, Integer k, Double tau,
                           String similarity, String phase1, String precision) {
    public static final String FIRST_SEED = "first-seed";
    public static final String PER_SEED = "per-seed";

    public GroupingSpec {
        phase1 = phase1 == null ? FIRST_SEED : phase1;
        if (!phase1.equals(FIRST_SEED) && !phase1.equals(PER_SEED)) {
            throw new IllegalArgumentException("phase1 '" + phase1 + "' must be first-seed or per-seed");
        }
        if (precision != null && !precision.equals(Recipe.FP32) && !precision.equals(Recipe.BF16)) {
            throw new IllegalArgumentException("grouping precision '" + precision + "' must be fp32 or bf16");
        }
    }

    public static GroupingSpec defaults() {
        return new GroupingSpec(1, 4, 0, "threshold", null, null, "cosine", FIRST_SEED, null);
    }

    public GroupingSpec withSnapshotEvery(int every) {
        return new GroupingSpec(epochs, snapshots, every, objective, k, tau, similarity, phase1, precision);
    }

    /** Phase 1's recipe: the experiment's, for phase 1's epochs, in phase 1's precision. */
    public Recipe phase1Recipe(Recipe recipe) {
        Recipe r = recipe.withEpochs(epochs);
        return precision == null ? r : r.withPrecision(precision);
    }

    public boolean perSeed() {
        return PER_SEED.equals(phase1);
    }
}
