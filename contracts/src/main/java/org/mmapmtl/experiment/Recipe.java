package org.mmapmtl.experiment;

/**
 * The optimisation recipe of an experiment's training runs. The paper gives SGD at lr 0.0035, 5 epochs and "a batch
 * size of 16/4"; the other defaults are our reading from MaPLe's Dassl configuration, which the paper builds on:
 * momentum 0.9, weight decay 5e-4, one warm-up epoch at 1e-5, cosine decay stepped per epoch, random resized crop
 * and flip, and 16 (Office-Home) or 4 (MiniDomainNet) read as images per task, one batch per task per step.
 *
 * @param sampling {@code per-task} (every task one batch per step) or {@code mixed} (one shuffled order over all images)
 */
public record Recipe(int epochs, int batchSize, double learningRate, double momentum, double weightDecay,
                     int warmupEpochs, double warmupLearningRate, boolean augment, String sampling) {

    public static Recipe paper() {
        return new Recipe(5, 16, 0.0035, 0.9, 5e-4, 1, 1e-5, true, "per-task");
    }

    /** The paper's recipe for a dataset kind: batch 4 per task on MiniDomainNet, 16 elsewhere. */
    public static Recipe paper(String datasetKind) {
        Recipe r = paper();
        return "mini-domainnet".equals(datasetKind) ? new Recipe(r.epochs, 4, r.learningRate, r.momentum, r.weightDecay,
                r.warmupEpochs, r.warmupLearningRate, r.augment, r.sampling) : r;
    }

    /** The same recipe for a run of {@code e} epochs (phase 1 of the pipeline); warm-up shortened to fit. */
    public Recipe withEpochs(int e) {
        return new Recipe(e, batchSize, learningRate, momentum, weightDecay, Math.min(warmupEpochs, e - 1),
                warmupLearningRate, augment, sampling);
    }
}
