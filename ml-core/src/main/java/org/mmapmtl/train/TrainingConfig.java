package org.mmapmtl.train;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How a run trains. Defaults: the paper's SGD at learning rate 0.0035, 5 epochs, batch 16 per task; and, as our
 * reading from MaPLe's Dassl configuration (the paper does not say), momentum 0.9, weight decay 5e-4, one warm-up
 * epoch at a constant 1e-5, then cosine decay, random resized crop and flip.
 *
 * @param batchSize      images per task per step
 * @param warmupEpochs   epochs at {@code warmupLearningRate} before the cosine schedule starts
 * @param snapshotEvery  every how many steps to take a per-task gradient snapshot (0 = never)
 * @param snapshots      how many snapshots at most (the grouping service waits for exactly this many)
 * @param sampling       how steps draw images from the tasks (see {@link BatchPlan.Sampling})
 * @param maxGradNorm    the largest global norm of an update's gradient, longer ones scaled down to it; null clips
 *                       nothing (left out of the JSON then, so checkpoints written before the choice still resume)
 */
public record TrainingConfig(int epochs, int batchSize, double learningRate, double momentum, double weightDecay,
                             int warmupEpochs, double warmupLearningRate, boolean augment, long seed,
                             int snapshotEvery, int snapshots, BatchPlan.Sampling sampling,
                             @JsonInclude(JsonInclude.Include.NON_NULL) Double maxGradNorm) {

    public TrainingConfig {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (!(learningRate > 0) || momentum < 0 || momentum >= 1 || weightDecay < 0) {
            throw new IllegalArgumentException("need learning rate > 0, 0 <= momentum < 1, weight decay >= 0; got "
                    + learningRate + ", " + momentum + ", " + weightDecay);
        }
        if (warmupEpochs < 0 || warmupEpochs >= epochs && warmupEpochs > 0) {
            throw new IllegalArgumentException("warm-up epochs must be in 0.." + (epochs - 1) + ", got " + warmupEpochs);
        }
        if (snapshotEvery < 0 || snapshots < 0 || (snapshotEvery > 0) != (snapshots > 0)) {
            throw new IllegalArgumentException("gradient snapshots need both snapshotEvery and snapshots > 0 (or both 0)");
        }
        if (sampling == null) {
            throw new IllegalArgumentException("sampling must be per-task or mixed");
        }
        if (sampling == BatchPlan.Sampling.MIXED && snapshots > 0) {
            throw new IllegalArgumentException("gradient snapshots compare every task's gradient at the same step, "
                    + "but mixed sampling can leave a task out of a step; use per-task sampling for a grouping run");
        }
        if (maxGradNorm != null && !(maxGradNorm > 0 && Double.isFinite(maxGradNorm))) {
            throw new IllegalArgumentException("maxGradNorm must be positive (or null: no clipping), got " + maxGradNorm);
        }
    }

    /** A run that clips no gradient. */
    public TrainingConfig(int epochs, int batchSize, double learningRate, double momentum, double weightDecay,
                          int warmupEpochs, double warmupLearningRate, boolean augment, long seed,
                          int snapshotEvery, int snapshots, BatchPlan.Sampling sampling) {
        this(epochs, batchSize, learningRate, momentum, weightDecay, warmupEpochs, warmupLearningRate, augment, seed,
                snapshotEvery, snapshots, sampling, null);
    }

    public static TrainingConfig paper(long seed) {
        return new TrainingConfig(5, 16, 0.0035, 0.9, 5e-4, 1, 1e-5, true, seed, 0, 0, BatchPlan.Sampling.PER_TASK);
    }

    public TrainingConfig withEpochs(int e) {
        return new TrainingConfig(e, batchSize, learningRate, momentum, weightDecay, Math.min(warmupEpochs, e - 1),
                warmupLearningRate, augment, seed, snapshotEvery, snapshots, sampling, maxGradNorm);
    }

    public TrainingConfig withBatchSize(int b) {
        return new TrainingConfig(epochs, b, learningRate, momentum, weightDecay, warmupEpochs, warmupLearningRate,
                augment, seed, snapshotEvery, snapshots, sampling, maxGradNorm);
    }

    public TrainingConfig withLearningRate(double lr, int warmup) {
        return new TrainingConfig(epochs, batchSize, lr, momentum, weightDecay, warmup, warmupLearningRate, augment,
                seed, snapshotEvery, snapshots, sampling, maxGradNorm);
    }

    public TrainingConfig withAugment(boolean a) {
        return new TrainingConfig(epochs, batchSize, learningRate, momentum, weightDecay, warmupEpochs,
                warmupLearningRate, a, seed, snapshotEvery, snapshots, sampling, maxGradNorm);
    }

    public TrainingConfig withSeed(long s) {
        return new TrainingConfig(epochs, batchSize, learningRate, momentum, weightDecay, warmupEpochs,
                warmupLearningRate, augment, s, snapshotEvery, snapshots, sampling, maxGradNorm);
    }

    public TrainingConfig withSnapshots(int every, int count) {
        return new TrainingConfig(epochs, batchSize, learningRate, momentum, weightDecay, warmupEpochs,
                warmupLearningRate, augment, seed, every, count, sampling, maxGradNorm);
    }

    public TrainingConfig withSampling(BatchPlan.Sampling s) {
        return new TrainingConfig(epochs, batchSize, learningRate, momentum, weightDecay, warmupEpochs,
                warmupLearningRate, augment, seed, snapshotEvery, snapshots, s, maxGradNorm);
    }

    public TrainingConfig withMaxGradNorm(Double n) {
        return new TrainingConfig(epochs, batchSize, learningRate, momentum, weightDecay, warmupEpochs,
                warmupLearningRate, augment, seed, snapshotEvery, snapshots, sampling, n);
    }
}
