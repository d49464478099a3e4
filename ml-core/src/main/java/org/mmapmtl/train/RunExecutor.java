package org.mmapmtl.train;

import ai.djl.Device;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.Precision;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.data.ImagePipeline;
import org.mmapmtl.data.Split;
import org.mmapmtl.events.GradientSnapshot;
import org.mmapmtl.experiment.RunSpec;
import org.mmapmtl.experiment.SpecJson;
import org.mmapmtl.prompt.PromptMethod;
import org.mmapmtl.prompt.PromptedClip;
import org.mmapmtl.tokenizer.ClipTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.stream.Stream;

/**
 * Trains one {@link RunSpec} to the end, or until cancelled, continuing from the newest epoch checkpoint or resume
 * point in its folder: a run resumed on another trainer writes the same checkpoints, byte for byte, as one never interrupted
 * (the batch order, the augmentation and the optimizer state all follow from the seed and the checkpoint).
 * A zero-shot run trains nothing and writes one checkpoint without parameters, so that it is evaluated through the
 * same path as every other run; a run of imported prompts writes one checkpoint of the imported parameters.
 */
public final class RunExecutor {
    /** The one checkpoint of a run that trains nothing, by what it scores. */
    public static final List<String> UNTRAINED_FILES = List.of("zero-shot.safetensors", "imported.safetensors");

    /** What the run reports while it goes; called on the run's own thread. */
    public interface Events {
        /** Must return only once the snapshot is durably delivered: training goes on after it. */
        void snapshot(GradientSnapshot snapshot);

        void checkpoint(CheckpointFile.Saved saved);

        void step(Trainer.StepReport report);

        /** Polled once per step. */
        boolean cancelled();

        /** What a cancelled run writes of its unfinished epoch. */
        default Trainer.WhenStopped whenStopped() {
            return Trainer.WhenStopped.KEEP_UNFINISHED_EPOCH;
        }

        default void status(String message) {
        }
    }

    /** @param resumePoint the file the next trainer continues from, when this one stopped the run; else null */
    public record Outcome(boolean cancelled, long stepsDone, long totalSteps, Path resumePoint) {
    }

    private RunExecutor() {
    }

    /** The epoch checkpoints already in a run's folder, oldest first. */
    public static List<Path> epochCheckpoints(Path runDir) {
        if (!Files.isDirectory(runDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(runDir)) {
            return files.filter(f -> Trainer.EPOCH_FILE.matcher(f.getFileName().toString()).matches())
                    .sorted(Comparator.comparingInt(RunExecutor::epochOf)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + runDir + ": " + e.getMessage(), e);
        }
    }

    private static int epochOf(Path file) {
        Matcher m = Trainer.EPOCH_FILE.matcher(file.getFileName().toString());
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    /**
     * @param run         with its base weights resolved ({@code weightsUri}, {@code weightsSha256})
     * @param runDir      the run's own folder under the artifacts folder
     * @param threads     image decoding threads
     */
    public static Outcome run(RunSpec run, Path runDir, Device device, int threads, Events events) {
        Path weightsFile = Path.of(java.net.URI.create(run.weightsUri()));
        String sha = CheckpointFile.sha256(weightsFile);
        if (!sha.equals(run.weightsSha256())) {
            throw new IllegalStateException("base weights " + weightsFile + " changed since the run started (sha256 "
                    + sha + ", the run was planned on " + run.weightsSha256() + "): restore the file or resubmit");
        }
        Split split = RunSetup.split(run);
        for (String task : run.tasks()) {
            if (split.task(task).test().isEmpty()) {
                throw new org.mmapmtl.data.DatasetException("task " + task + " has no test images: the split ("
                        + split.rule() + ") trains on every image of its classes; use fewer shots or a percent");
            }
        }
        TrainingConfig config = RunSetup.trainingConfig(run);
        Map<String, String> metadata = Map.of(RunSetup.RUN_SPEC_KEY, SpecJson.write(run.withoutIds()));
        ClipTokenizer tokenizer = ClipTokenizer.bundled();
        // a run that trains nothing (zero-shot, imported prompts) multiplies nothing here: no bf16 needed
        Precision precision = run.trains() ? Precision.parse(run.recipe().precision()) : Precision.FP32;
        try (ClipModel clip = ClipModel.load(ClipWeights.read(weightsFile), device, precision);
             ImagePipeline pipeline = new ImagePipeline(split.root(), clip.config().vision().resolution(), threads);
             PromptMethod method = PromptMethod.create(RunSetup.methodSpec(run), clip, tokenizer, run.tasks(),
                     RunSetup.methodGroups(run), run.seed(), RunSetup.contextInit(run));
             PromptedClip model = new PromptedClip(clip, method, tokenizer, split.classNames())) {
            if (run.imported() != null) {
                events.checkpoint(imported(run, method, runDir.resolve(UNTRAINED_FILES.get(1)), config, sha, metadata));
                return new Outcome(false, 0, 0, null);
            }
            if (!run.trains()) {
                Path file = runDir.resolve(UNTRAINED_FILES.get(0));
                events.checkpoint(CheckpointFile.write(file, method, null, 0, 0, true, config, sha, metadata));
                return new Outcome(false, 0, 0, null);
            }
            List<Trainer.TaskData> data = run.tasks().stream()
                    .map(t -> new Trainer.TaskData(t, split.task(t).train())).toList();
            try (Trainer trainer = new Trainer(model, data, pipeline, config, sha, metadata)) {
                Optional<Path> resume = trainer.resumePoint(runDir);
                resume.ifPresent(p -> events.status("resuming from " + p.getFileName()));
                Trainer.Result result = trainer.run(runDir, resume.orElse(null), new Trainer.Listener() {
                    @Override
                    public void onStep(Trainer.StepReport report) {
                        events.step(report);
                    }

                    @Override
                    public void onSnapshot(Trainer.TaskGradients s) {
                        for (String task : run.tasks()) {
                            events.snapshot(new GradientSnapshot(run.experimentId(), task, run.tasks(), s.index(),
                                    s.total(), s.step(), s.gradients().get(task)));
                        }
                    }

                    @Override
                    public void onCheckpoint(CheckpointFile.Saved saved) {
                        events.checkpoint(saved);
                    }

                    @Override
                    public boolean cancelled() {
                        return events.cancelled();
                    }

                    @Override
                    public Trainer.WhenStopped whenStopped() {
                        return events.whenStopped();
                    }
                });
                return new Outcome(result.cancelled(), result.stepsDone(), result.totalSteps(), result.resumePoint());
            }
        }
    }

    /**
     * The imported checkpoint's parameters in this run's method, written as the run's only checkpoint. Prompts learnt
     * on other base weights would mean nothing on these, so they are refused.
     */
    private static CheckpointFile.Saved imported(RunSpec run, PromptMethod method, Path file, TrainingConfig config,
                                                 String baseSha, Map<String, String> metadata) {
        Path source = Path.of(run.imported());
        CheckpointFile.Loaded loaded = CheckpointFile.read(source);
        if (!loaded.baseWeightsSha256().equals(baseSha)) {
            throw new IllegalArgumentException(source + " was made on base weights with sha256 '"
                    + loaded.baseWeightsSha256() + "', not on this experiment's " + run.weights() + " (sha256 " + baseSha
                    + "): import the prompts again with ./mmap import --weights naming the weights they were trained on, "
                    + "and submit them with those weights");
        }
        method.parameters().load(loaded.parameters(), source.toString());
        Map<String, String> meta = new java.util.LinkedHashMap<>(metadata);
        meta.put("imported_from", loaded.metadata().getOrDefault("imported_from", source.getFileName().toString()));
        return CheckpointFile.write(file, method, null, 0, 0, true, config, baseSha, meta);
    }

    /** The run's spec as its checkpoint records it: without the ids, which the checkpoint record carries. */
    public static RunSpec runSpecOf(CheckpointFile.Loaded checkpoint) {
        String json = checkpoint.metadata().get(RunSetup.RUN_SPEC_KEY);
        if (json == null) {
            throw new IllegalArgumentException(checkpoint.source() + " carries no run spec (metadata '"
                    + RunSetup.RUN_SPEC_KEY + "'): it was not written by an experiment run");
        }
        return SpecJson.runSpec(json);
    }
}
