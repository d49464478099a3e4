package org.mmapmtl.experiment;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The optimisation recipe of an experiment's training runs. The paper gives SGD at lr 0.0035, 5 epochs and "a batch
 * size of 16/4"; momentum 0.9, weight decay 5e-4, one warm-up epoch at 1e-5, cosine decay stepped per epoch, random
 * resized crop and flip are MaPLe's Dassl configuration, which the paper builds on; reading 16 (Office-Home) or 4
 * (MiniDomainNet) as images per task, one batch per task per step, is ours ({@code batchPer: task}), and
 * {@code batchPer: step} is the other reading (16 images a step, shared among its tasks: about T times the updates).
 *
 * @param sampling {@code per-task} (every task one batch per step) or {@code mixed} (one shuffled order over all images)
 * @param batchPer {@code task} ({@code batchSize} images per task per step) or {@code step} ({@code batchSize} images
 *                 per step, {@code batchSize / T} for each of a run's T tasks); null, as in specs written before the
 *                 choice existed, reads as {@code task}
 * @param precision {@code fp32} (float32 throughout, the default) or {@code bf16} (the frozen CLIP's block products in
 *                  bfloat16, everything trained in float32); null, as in specs written before the choice existed,
 *                  reads as {@code fp32}
 * @param maxGradNorm the largest global L2 norm of an update's gradient: a step whose gradient (over every trained
 *                    parameter, summed over the step's tasks) is longer is scaled down to it, as PyTorch's
 *                    {@code clip_grad_norm_}; null (the paper's recipe, and specs written before the choice existed)
 *                    clips nothing. Gradient snapshots for grouping are taken before it.
 */
public record Recipe(int epochs, int batchSize, double learningRate, double momentum, double weightDecay,
                     int warmupEpochs, double warmupLearningRate, boolean augment, String sampling, String batchPer,
                     String precision, @JsonInclude(JsonInclude.Include.NON_NULL) Double maxGradNorm) {
    public static final String PER_TASK = "task";
    public static final String PER_STEP = "step";
    public static final String FP32 = "fp32";
    public static final String BF16 = "bf16";

    public Recipe {
        batchPer = batchPer == null ? PER_TASK : batchPer;
        if (!batchPer.equals(PER_TASK) && !batchPer.equals(PER_STEP)) {
            throw new IllegalArgumentException("batchPer '" + batchPer + "' must be task or step");
        }
        precision = precision == null ? FP32 : precision;
        if (!precision.equals(FP32) && !precision.equals(BF16)) {
            throw new IllegalArgumentException("precision '" + precision + "' must be fp32 or bf16");
        }
        if (maxGradNorm != null && !(maxGradNorm > 0 && Double.isFinite(maxGradNorm))) {
            throw new IllegalArgumentException("maxGradNorm must be a positive number (or absent: no clipping), got "
                    + maxGradNorm);
        }
    }

    /** The recipe before gradient clipping was a choice: none. */
    public Recipe(int epochs, int batchSize, double learningRate, double momentum, double weightDecay,
                  int warmupEpochs, double warmupLearningRate, boolean augment, String sampling, String batchPer,
                  String precision) {
        this(epochs, batchSize, learningRate, momentum, weightDecay, warmupEpochs, warmupLearningRate, augment, sampling,
                batchPer, precision, null);
    }

    /** The recipe before the precision was a choice: float32. */
    public Recipe(int epochs, int batchSize, double learningRate, double momentum, double weightDecay,
                  int warmupEpochs, double warmupLearningRate, boolean augment, String sampling, String batchPer) {
        this(epochs, batchSize, learningRate, momentum, weightDecay, warmupEpochs, warmupLearningRate, augment, sampling,
                batchPer, FP32);
    }

    /** The same recipe in {@code p} ({@code fp32} or {@code bf16}). */
    public Recipe withPrecision(String p) {
        return new Recipe(epochs, batchSize, learningRate, momentum, weightDecay, warmupEpochs, warmupLearningRate,
                augment, sampling, batchPer, p, maxGradNorm);
    }

    /** The same recipe with updates clipped to global gradient norm {@code n} (null: no clipping). */
    public Recipe withMaxGradNorm(Double n) {
        return new Recipe(epochs, batchSize, learningRate, momentum, weightDecay, warmupEpochs, warmupLearningRate,
                augment, sampling, batchPer, precision, n);
    }

    /** The paper's numbers and MaPLe's rest, with {@code batchSize} read per task (see the class comment). */
    public static Recipe paper() {
        return new Recipe(5, 16, 0.0035, 0.9, 5e-4, 1, 1e-5, true, "per-task", PER_TASK);
    }

    /**
     * Images of each task in one step of a run that trains {@code tasks} tasks: {@code batchSize} when read per task;
     * read per step, {@code batchSize / tasks} (rounded down, at least 1: 16 over 3 tasks is 5 each, 15 a step).
     */
    public int perTaskBatch(int tasks) {
        return PER_STEP.equals(batchPer) ? Math.max(1, batchSize / Math.max(1, tasks)) : batchSize;
    }

    /** The paper's recipe for a dataset kind: batch 4 per task on MiniDomainNet, 16 elsewhere. */
    public static Recipe paper(String datasetKind) {
        Recipe r = paper();
        return "mini-domainnet".equals(datasetKind) ? new Recipe(r.epochs, 4, r.learningRate, r.momentum, r.weightDecay,
                r.warmupEpochs, r.warmupLearningRate, r.augment, r.sampling, r.batchPer, r.precision, r.maxGradNorm) : r;
    }

    /** The recipe in words, for a results table's caption: what a reader needs to compare two tables. */
    public String describe() {
        return String.format(java.util.Locale.ROOT, "%d epoch%s, batch %d per %s, SGD lr %s (momentum %s, weight decay %s), "
                        + "%s, %s sampling, augmentation %s", epochs, epochs == 1 ? "" : "s", batchSize, batchPer,
                number(learningRate), number(momentum), number(weightDecay),
                warmupEpochs == 0 ? "no warm-up" : warmupEpochs + " warm-up epoch" + (warmupEpochs == 1 ? "" : "s")
                        + " at " + number(warmupLearningRate), sampling, augment ? "on" : "off")
                + (maxGradNorm == null ? "" : ", gradient norm clipped to " + number(maxGradNorm))
                + (BF16.equals(precision) ? ", CLIP's block products in bf16" : "");
    }

    private static String number(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** The same recipe for a run of {@code e} epochs (phase 1 of the pipeline); warm-up shortened to fit. */
    public Recipe withEpochs(int e) {
        return new Recipe(e, batchSize, learningRate, momentum, weightDecay, Math.min(warmupEpochs, e - 1),
                warmupLearningRate, augment, sampling, batchPer, precision, maxGradNorm);
    }
}
