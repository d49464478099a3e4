package org.mmapmtl.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipPreprocessor;
import org.mmapmtl.experiment.RunSpec;
import org.mmapmtl.experiment.MethodSpec;
import org.mmapmtl.prompt.PromptMethod;
import org.mmapmtl.prompt.PromptedClip;
import org.mmapmtl.tokenizer.ClipTokenizer;
import org.mmapmtl.train.CheckpointFile;
import org.mmapmtl.train.GradMode;
import org.mmapmtl.train.RunExecutor;
import org.mmapmtl.train.RunSetup;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Class probabilities of images under a checkpoint (its method, prompt sizes, tasks and groups read from the file's
 * metadata; the checkpoint format in docs/methods.md) or, without one, under zero-shot CLIP. Prompts learnt for a task are
 * class-agnostic, so any class names can be asked for; by default those of the run's dataset when the checkpoint
 * was written by an experiment run (it then carries its run spec).
 * <p>BitFit and full fine-tuning checkpoints write into CLIP's own weights: give them a CLIP loaded for them alone.
 */
public final class Predictor implements AutoCloseable {
    /** The task name zero-shot prediction reports under (it has no tasks of its own). */
    public static final String ZERO_SHOT_TASK = "zero-shot";

    /** @param logit CLIP's scaled cosine similarity (logit_scale.exp() · cos), before the softmax */
    public record ClassProbability(String name, double probability, double logit) {
    }

    /** @param classes every class, most probable first */
    public record Prediction(String predicted, double probability, List<ClassProbability> classes) {
    }

    private final ClipModel clip;
    private final PromptMethod method;
    private final PromptedClip model;
    private final ClipPreprocessor preprocessor;
    private final RunSpec run;

    private Predictor(ClipModel clip, PromptMethod method, PromptedClip model, RunSpec run) {
        this.clip = clip;
        this.method = method;
        this.model = model;
        this.run = run;
        this.preprocessor = new ClipPreprocessor(clip.config().vision().resolution());
    }

    /**
     * The base weights file a checkpoint's run loaded, as its run spec records it (null when it records none): what a
     * prediction uses when no weights are given.
     */
    public static Path baseWeightsOf(Path checkpoint) {
        CheckpointFile.Loaded header = CheckpointFile.read(checkpoint);
        if (!header.metadata().containsKey(RunSetup.RUN_SPEC_KEY)) {
            return null;
        }
        String uri = RunExecutor.runSpecOf(header).weightsUri();
        return uri == null ? null : Path.of(java.net.URI.create(uri));
    }

    /**
     * @param checkpoint a file written by an experiment run; null for zero-shot CLIP
     * @param classes    the class names to score; null for those of the run's dataset (required for zero-shot)
     * @throws IllegalArgumentException naming what is wrong: no classes, a checkpoint of other base weights, a
     *                                  file that no run wrote
     */
    public static Predictor open(ClipModel clip, String baseWeightsSha256, Path checkpoint, List<String> classes) {
        ClipTokenizer tokenizer = ClipTokenizer.bundled();
        if (checkpoint == null) {
            if (classes == null || classes.isEmpty()) {
                throw new IllegalArgumentException("zero-shot prediction needs the class names (--classes a,b,c)");
            }
            PromptMethod method = PromptMethod.create(MethodSpec.parse("zero-shot"), clip, tokenizer,
                    List.of(ZERO_SHOT_TASK), List.of(), 0);
            return new Predictor(clip, method, new PromptedClip(clip, method, tokenizer, classes), null);
        }
        CheckpointFile.Loaded header = CheckpointFile.read(checkpoint);
        RunSpec run = header.metadata().containsKey(RunSetup.RUN_SPEC_KEY) ? RunExecutor.runSpecOf(header) : null;
        if (baseWeightsSha256 != null && !header.baseWeightsSha256().isEmpty()
                && !baseWeightsSha256.equals(header.baseWeightsSha256())) {
            throw new IllegalArgumentException(checkpoint + " was trained on base weights with sha256 "
                    + header.baseWeightsSha256() + ", not on the given ones (" + baseWeightsSha256 + ")"
                    + (run != null && run.weightsUri() != null ? ": use " + Path.of(java.net.URI.create(run.weightsUri()))
                    + " (or leave --weights out)" : ""));
        }
        List<String> names = classes;
        if ((names == null || names.isEmpty()) && run == null) {
            throw new IllegalArgumentException(checkpoint + " names no dataset (no run spec in its metadata): give the "
                    + "class names (--classes a,b,c)");
        }
        if (names == null || names.isEmpty()) {
            try {
                names = RunSetup.dataset(run.dataset()).classNames();
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("the run's dataset " + run.dataset().root() + " cannot be read for its "
                        + "class names (" + e.getMessage() + "): give the class names", e);
            }
        }
        PromptMethod method;
        try {
            method = PromptMethod.create(header.spec(), clip, tokenizer, header.tasks(), header.groups(),
                    run == null ? 0 : run.seed());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(checkpoint + ": " + e.getMessage(), e);
        }
        try {
            CheckpointFile.restore(checkpoint, method);
            return new Predictor(clip, method, new PromptedClip(clip, method, tokenizer, names), run);
        } catch (RuntimeException e) {
            method.close();
            throw e;
        }
    }

    /** The tasks one can predict for: the run's, or {@link #ZERO_SHOT_TASK}. */
    public List<String> tasks() {
        return method.tasks();
    }

    public List<String> classNames() {
        return model.classNames();
    }

    /** The run that wrote the checkpoint; null for zero-shot. */
    public RunSpec run() {
        return run;
    }

    public int resolution() {
        return preprocessor.resolution();
    }

    /** Each image's class probabilities (softmax of CLIP's scaled similarities) under the task's prompts. */
    public List<Prediction> predict(String task, List<BufferedImage> images) {
        if (images.isEmpty()) {
            checkTask(task);
            return List.of();
        }
        int r = preprocessor.resolution();
        float[] pixels = new float[images.size() * 3 * r * r];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(preprocessor.apply(images.get(i)), 0, pixels, i * 3 * r * r, 3 * r * r);
        }
        List<String> classes = model.classNames();
        float[] logits = logits(task, pixels, images.size());
        List<Prediction> out = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes.size(); c++) {
                max = Math.max(max, logits[i * classes.size() + c]);
            }
            double sum = 0;
            for (int c = 0; c < classes.size(); c++) {
                sum += Math.exp(logits[i * classes.size() + c] - max);
            }
            List<ClassProbability> ranked = new ArrayList<>();
            for (int c = 0; c < classes.size(); c++) {
                float logit = logits[i * classes.size() + c];
                ranked.add(new ClassProbability(classes.get(c), Math.exp(logit - max) / sum, logit));
            }
            ranked.sort(Comparator.comparingDouble(ClassProbability::probability).reversed());
            out.add(new Prediction(ranked.get(0).name(), ranked.get(0).probability(), List.copyOf(ranked)));
        }
        return out;
    }

    /**
     * [images × classes] logits, row-major, of preprocessed pixels ([images, 3, r, r] row-major, normalised as
     * {@link ClipPreprocessor} does) under the task's prompts.
     */
    public float[] logits(String task, float[] pixels, int images) {
        int t = checkTask(task);
        int r = preprocessor.resolution();
        GradMode.offOnThisThread();
        try (NDManager scope = NDManager.newBaseManager(clip.device())) {
            method.parameters().bind(scope);
            NDArray x = scope.create(pixels, new Shape(images, 3, r, r));
            return model.logits(t, x).toFloatArray();
        }
    }

    private int checkTask(String task) {
        int t = method.tasks().indexOf(task);
        if (t < 0) {
            throw new IllegalArgumentException("task '" + task + "' is not one of " + method.tasks());
        }
        return t;
    }

    /** The token ids of each class's text, [classes × context] row-major. */
    public long[] classTokens() {
        return model.classTokens();
    }

    @Override
    public void close() {
        model.close();
        method.close();
    }
}
