package org.mmapmtl.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.mmapmtl.data.ImagePipeline;
import org.mmapmtl.data.Sample;
import org.mmapmtl.prompt.PromptMethod;
import org.mmapmtl.prompt.PromptedClip;
import org.mmapmtl.prompt.TrainableParameters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Trains a method on several tasks at once: at every step each task contributes one batch of its own images, the
 * loss is the sum of the tasks' cross-entropies (a method's task-specific parameters only see their own task's loss,
 * so single-task methods train independently side by side). One backward pass per task keeps one task's graph in
 * memory at a time and gives the per-task gradients that grouping compares. Everything a step creates lives on one
 * manager that closes with the step.
 */
public final class Trainer implements AutoCloseable {

    public record TaskData(String name, List<Sample> train) {
        public TaskData {
            train = List.copyOf(train);
        }
    }

    /**
     * @param loss       the summed loss of all tasks at this step
     * @param epochLoss  the mean of {@code loss} over this epoch's steps so far (since the resume, in a resumed
     *                   epoch): one batch's loss is noisy, an epoch's mean says whether the run learns
     * @param taskLosses each task's loss, in task order
     * @param uniformLoss what a uniform guess scores on the same sum (ln C per task the step trained, C the classes):
     *                    a run whose loss stays at or above it has learned nothing
     * @param gradNorm    the global L2 norm of the step's update gradient before any clipping (null: no batch)
     * @param gradClipped whether it was scaled down to the recipe's maxGradNorm; null where the recipe does not clip
     * @param epochClippedShare the share of this epoch's steps so far (since the resume, in a resumed epoch) that were
     *                    clipped; null where the recipe does not clip. One report a second cannot say it; this can.
     */
    public record StepReport(long step, long totalSteps, int epoch, int epochs, double loss, double epochLoss,
                             Map<String, Double> taskLosses, double uniformLoss, double learningRate, Double gradNorm,
                             Boolean gradClipped, Double epochClippedShare, double imagesPerSecond, long etaMillis) {
    }

    /** The per-task gradients of the shared parameters at one snapshot, flattened in parameter order. */
    public record TaskGradients(int index, int total, long step, Map<String, float[]> gradients) {
    }

    public interface Listener {
        default void onStep(StepReport report) {
        }

        default void onSnapshot(TaskGradients snapshot) {
        }

        default void onCheckpoint(CheckpointFile.Saved saved) {
        }

        /** Polled once per step; true stops the run after the current step. */
        default boolean cancelled() {
            return false;
        }

        /** What a stopped run keeps of the steps since its last epoch checkpoint. */
        default WhenStopped whenStopped() {
            return WhenStopped.KEEP_UNFINISHED_EPOCH;
        }
    }

    /** What a run stopped between epochs writes. */
    public enum WhenStopped {
        /** A user's cancel: the unfinished epoch is a checkpoint like any other, announced and evaluated. */
        KEEP_UNFINISHED_EPOCH,
        /**
         * A trainer shutting down: a resume point ({@link #RESUME_FILE}), not announced, from which the next trainer
         * continues at the same step, so the run's checkpoints are the ones an uninterrupted run writes.
         */
        RESUME_POINT,
        /** The run now belongs to another trainer, which writes into its folder: nothing. */
        NOTHING
    }

    /**
     * @param resumePoint the resume point written when the run stopped ({@link WhenStopped#RESUME_POINT}), or null
     */
    public record Result(long stepsDone, long totalSteps, List<Double> losses, CheckpointFile.Saved lastCheckpoint,
                         boolean cancelled, Path resumePoint) {
    }

    private static final Pattern RESUME_FILE = Pattern.compile("resume-step-(\\d+)\\.safetensors");
    static final Pattern EPOCH_FILE = Pattern.compile("epoch-(\\d+)\\.safetensors");

    private final PromptedClip model;
    private final PromptMethod method;
    private final List<TaskData> tasks;
    private final ImagePipeline pipeline;
    private final TrainingConfig config;
    private final String baseWeightsSha256;
    private final NDManager root;
    private final Sgd sgd;
    private final TrainStep trainStep;
    private final Map<Integer, float[][]> decoded = new LinkedHashMap<>();
    private final Map<String, String> checkpointMetadata;

    /**
     * @param tasks              in the method's task order, each with its training images
     * @param baseWeightsSha256  recorded in checkpoints so that evaluation can refuse other base weights
     */
    public Trainer(PromptedClip model, List<TaskData> tasks, ImagePipeline pipeline, TrainingConfig config,
                   String baseWeightsSha256) {
        this(model, tasks, pipeline, config, baseWeightsSha256, Map.of());
    }

    /**
     * @param checkpointMetadata written into every checkpoint (e.g. the run's spec); a resumed checkpoint must carry
     *                           the same values, so a run never continues another run's file
     */
    public Trainer(PromptedClip model, List<TaskData> tasks, ImagePipeline pipeline, TrainingConfig config,
                   String baseWeightsSha256, Map<String, String> checkpointMetadata) {
        this.checkpointMetadata = Map.copyOf(checkpointMetadata);
        this.model = model;
        this.method = model.method();
        List<String> names = tasks.stream().map(TaskData::name).toList();
        if (!names.equals(method.tasks())) {
            throw new IllegalArgumentException("tasks " + names + " must be the method's tasks in its order " + method.tasks());
        }
        if (method.parameters().isEmpty()) {
            throw new IllegalArgumentException(method.spec().name() + " has nothing to train; evaluate it directly");
        }
        this.tasks = List.copyOf(tasks);
        this.pipeline = pipeline;
        this.config = config;
        this.baseWeightsSha256 = baseWeightsSha256;
        this.root = NDManager.newBaseManager(model.clip().device());
        this.sgd = new Sgd(config.momentum(), config.weightDecay(), model.clip().device());
        this.trainStep = new TrainStep(model, sgd, true, config.maxGradNorm());
    }

    public BatchPlan plan() {
        int[] sizes = tasks.stream().mapToInt(t -> t.train().size()).toArray();
        return new BatchPlan(config.seed(), method.tasks(), sizes, config.batchSize(), config.sampling());
    }

    /**
     * @param checkpointDir where a checkpoint is written after every epoch (null: none)
     * @param resumeFrom    a checkpoint of this same run to continue from (null: start afresh)
     */
    public Result run(Path checkpointDir, Path resumeFrom, Listener listener) {
        GradMode.offOnThisThread();
        BatchPlan plan = plan();
        long stepsPerEpoch = plan.stepsPerEpoch();
        long total = stepsPerEpoch * config.epochs();
        LearningRateSchedule schedule = new LearningRateSchedule(config.learningRate(), config.warmupLearningRate(),
                config.warmupEpochs(), config.epochs(), stepsPerEpoch);
        TrainableParameters parameters = method.parameters();
        long start = 0;
        if (resumeFrom != null) {
            CheckpointFile.Loaded loaded = CheckpointFile.read(resumeFrom);
            loaded.requireSameRun(method, config, baseWeightsSha256, checkpointMetadata);
            parameters.load(loaded.parameters(), resumeFrom.toString());
            sgd.restore(loaded.momentum());
            start = loaded.step();
        }
        List<Double> losses = new ArrayList<>();
        CheckpointFile.Saved last = null;
        double meanStepNanos = 0;
        double epochLossSum = 0;
        int epochSteps = 0;
        int epochClipped = 0;
        long step = start;
        boolean cancelled = false;
        for (; step < total; step++) {
            if (listener.cancelled()) {
                cancelled = true;
                break;
            }
            long began = System.nanoTime();
            int snapshot = snapshotIndex(step);
            int images = 0;
            double rate = schedule.at(step);
            TrainStep.Outcome outcome;
            try (NDManager scope = root.newSubManager()) {
                List<TrainStep.TaskBatch> batches = new ArrayList<>();
                for (int t = 0; t < tasks.size(); t++) {
                    int[] indices = plan.batch(t, step);
                    if (indices.length == 0) {
                        continue; // mixed sampling drew none of this task's images this step
                    }
                    ImagePipeline.Batch batch = batch(t, indices, plan.augmentSeed(t, step));
                    if (batch.count() == 0 && snapshot >= 0) {
                        throw new IllegalStateException("gradient snapshot " + snapshot + " at step " + step
                                + ": every image of task " + method.tasks().get(t) + "'s batch was unreadable, and the "
                                + "grouping service waits for every task's gradient; replace or remove the unreadable "
                                + "images (logged above) and resubmit");
                    }
                    if (batch.count() == 0) {
                        continue; // every image of this batch was unreadable (each was logged and counted)
                    }
                    images += batch.count();
                    int r = pipeline.resolution();
                    batches.add(new TrainStep.TaskBatch(t, scope.create(batch.pixels(), new Shape(batch.count(), 3, r, r)),
                            scope.create(java.util.Arrays.copyOf(batch.labels(), batch.count()))));
                }
                outcome = trainStep.run(scope, batches, rate, snapshot >= 0, step);
            }
            double loss = outcome.loss();
            losses.add(loss);
            long took = System.nanoTime() - began;
            meanStepNanos = step == start ? took : 0.9 * meanStepNanos + 0.1 * took;
            if (snapshot >= 0) {
                listener.onSnapshot(new TaskGradients(snapshot, config.snapshots(), step, outcome.snapshotGradients()));
            }
            int epoch = (int) (step / stepsPerEpoch);
            if (step % stepsPerEpoch == 0) {
                epochLossSum = 0;
                epochSteps = 0;
                epochClipped = 0;
            }
            epochLossSum += loss;
            epochSteps++;
            if (Boolean.TRUE.equals(outcome.clipped())) {
                epochClipped++;
            }
            listener.onStep(new StepReport(step, total, epoch, config.epochs(), loss, epochLossSum / epochSteps,
                    outcome.taskLosses(), outcome.taskLosses().size() * Math.log(model.classNames().size()), rate,
                    outcome.gradNorm(), outcome.clipped(),
                    outcome.clipped() == null ? null : (double) epochClipped / epochSteps, images / (took / 1e9),
                    (long) ((total - step - 1) * meanStepNanos / 1e6)));
            if ((step + 1) % stepsPerEpoch == 0 && checkpointDir != null) {
                int done = epoch + 1;
                last = CheckpointFile.write(checkpointDir.resolve(epochFileName(done)), method, sgd,
                        step + 1, done, step + 1 == total, config, baseWeightsSha256, checkpointMetadata);
                listener.onCheckpoint(last);
                deleteResumePointsBefore(checkpointDir, step + 1);
            }
        }
        Path resumePoint = null;
        if (cancelled && checkpointDir != null && step > start && step % stepsPerEpoch != 0) {
            int inProgress = (int) (step / stepsPerEpoch) + 1;
            switch (listener.whenStopped()) {
                case KEEP_UNFINISHED_EPOCH -> {
                    last = CheckpointFile.write(checkpointDir.resolve("cancelled-epoch-" + inProgress + "-step-" + step
                            + ".safetensors"), method, sgd, step, inProgress, false, config, baseWeightsSha256,
                            checkpointMetadata);
                    listener.onCheckpoint(last);
                }
                case RESUME_POINT -> resumePoint = CheckpointFile.write(checkpointDir.resolve(resumeFileName(step)),
                        method, sgd, step, inProgress, false, config, baseWeightsSha256, checkpointMetadata).path();
                case NOTHING -> {
                }
            }
        }
        return new Result(step, total, losses, last, cancelled, resumePoint);
    }

    /**
     * Where a run continues in {@code dir}: the epoch checkpoint or resume point with the most steps done, or empty
     * when the run starts afresh. Resume points older than the newest epoch checkpoint are left over from a shutdown
     * followed by a crash, and are ignored.
     */
    public Optional<Path> resumePoint(Path dir) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        long stepsPerEpoch = plan().stepsPerEpoch();
        Path best = null;
        long bestStep = -1;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                Matcher epoch = EPOCH_FILE.matcher(name);
                Matcher resume = RESUME_FILE.matcher(name);
                long step = epoch.matches() ? Long.parseLong(epoch.group(1)) * stepsPerEpoch
                        : resume.matches() ? Long.parseLong(resume.group(1)) : -1;
                // an epoch checkpoint wins a tie: it is the one announced
                if (step > bestStep || (step == bestStep && epoch.matches())) {
                    best = f;
                    bestStep = step;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        return Optional.ofNullable(best);
    }

    /** The file of the resume point written when a trainer stopped the run after {@code step} steps. */
    public static String resumeFileName(long step) {
        return "resume-step-" + step + ".safetensors";
    }

    /** Resume points the run has passed: an epoch checkpoint at {@code step} supersedes them. */
    private static void deleteResumePointsBefore(Path dir, long step) {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Matcher m = RESUME_FILE.matcher(f.getFileName().toString());
                if (m.matches() && Long.parseLong(m.group(1)) <= step) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove old resume points in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The file of the checkpoint written after {@code epoch} epochs (1-based); resuming looks for these. */
    public static String epochFileName(int epoch) {
        return "epoch-" + epoch + ".safetensors";
    }

    /** The snapshot taken at this step, or -1. */
    private int snapshotIndex(long step) {
        if (config.snapshotEvery() == 0 || (step + 1) % config.snapshotEvery() != 0) {
            return -1;
        }
        long index = (step + 1) / config.snapshotEvery() - 1;
        return index < config.snapshots() ? (int) index : -1;
    }

    private ImagePipeline.Batch batch(int task, int[] indices, long augmentSeed) {
        List<Sample> all = tasks.get(task).train();
        if (config.augment()) {
            List<Sample> picked = new ArrayList<>();
            for (int i : indices) {
                picked.add(all.get(i));
            }
            return pipeline.load(picked, augmentSeed);
        }
        // without augmentation every epoch sees the same pixels: decode each training image once
        int plane = 3 * pipeline.resolution() * pipeline.resolution();
        float[][] cache = decoded.computeIfAbsent(task, t -> new float[all.size()][]);
        List<Integer> missing = new ArrayList<>();
        for (int i : indices) {
            if (cache[i] == null && !missing.contains(i)) {
                missing.add(i);
            }
        }
        if (!missing.isEmpty()) {
            ImagePipeline.Batch fresh = pipeline.load(missing.stream().map(all::get).toList(), null);
            int read = 0;
            for (int i : missing) {
                String path = all.get(i).path();
                boolean unreadable = fresh.skipped().stream().anyMatch(s -> s.startsWith(path + ": "));
                if (unreadable) {
                    cache[i] = new float[0]; // skipped, with the pipeline's warning, and not retried
                } else {
                    cache[i] = java.util.Arrays.copyOfRange(fresh.pixels(), read * plane, (read + 1) * plane);
                    read++;
                }
            }
        }
        List<Integer> usable = new ArrayList<>();
        for (int i : indices) {
            if (cache[i].length > 0) {
                usable.add(i);
            }
        }
        float[] pixels = new float[usable.size() * plane];
        long[] labels = new long[usable.size()];
        for (int k = 0; k < usable.size(); k++) {
            System.arraycopy(cache[usable.get(k)], 0, pixels, k * plane, plane);
            labels[k] = all.get(usable.get(k)).label();
        }
        return new ImagePipeline.Batch(pixels, labels, usable.size(), List.of());
    }

    @Override
    public void close() {
        sgd.close();
        root.close();
    }
}
