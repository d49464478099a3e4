package org.mmapmtl.eval;

import ai.djl.Device;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.data.ImagePipeline;
import org.mmapmtl.data.PreprocessedCache;
import org.mmapmtl.data.Split;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.experiment.RunSpec;
import org.mmapmtl.experiment.MethodSpec;
import org.mmapmtl.prompt.PromptMethod;
import org.mmapmtl.prompt.PromptedClip;
import org.mmapmtl.tokenizer.ClipTokenizer;
import org.mmapmtl.train.CheckpointFile;
import org.mmapmtl.train.RunExecutor;
import org.mmapmtl.train.RunSetup;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Scores a checkpoint record on its run's test split, from the record alone: the file (its SHA-256 checked), the
 * base CLIP (its SHA-256 checked against the run's), the method and the split rebuilt from the record's RunSpec.
 * Keeps one base model loaded between checkpoints of the same weights; BitFit and full fine-tuning write into CLIP's
 * own weights, so they get a fresh copy that is dropped afterwards.
 */
public final class CheckpointScorer implements AutoCloseable {
    private final Device device;
    private final int threads;
    private final int batchSize;
    private final PreprocessedCache cache;
    private final ClipTokenizer tokenizer = ClipTokenizer.bundled();
    private ClipModel cached;
    private String cachedSha;

    /** @param cacheDir where preprocessed test images are kept between evaluations (null: none) */
    public CheckpointScorer(Device device, int threads, int batchSize, Path cacheDir) {
        this.device = device;
        this.threads = threads;
        this.batchSize = batchSize;
        this.cache = cacheDir == null ? null : new PreprocessedCache(cacheDir);
    }

    /** Each task's metrics on its test images, in the run's task order. */
    public Map<String, ClassificationMetrics> score(Checkpoint record) {
        RunSpec run = record.runSpec();
        if (run == null) {
            throw new UnevaluableCheckpointException("the record is mmap.checkpoint/1.0, without the run's spec: the model "
                    + "and test split cannot be rebuilt from it; re-announce it from a trainer that writes 1.1");
        }
        Path file = path(record.uri(), "checkpoint");
        if (!Files.isRegularFile(file)) {
            throw new UnevaluableCheckpointException("checkpoint file " + file + " does not exist (announced as " + record.uri() + ")");
        }
        String sha = CheckpointFile.sha256(file);
        if (!sha.equals(record.sha256())) {
            throw new UnevaluableCheckpointException("checkpoint file " + file + " has sha256 " + sha + ", but the record "
                    + "announced " + record.sha256() + ": the file changed after it was written");
        }
        Path weights = path(run.weightsUri(), "base weights");
        if (!Files.isRegularFile(weights)) {
            throw new UnevaluableCheckpointException("base weights " + weights + " of run " + run.runId() + " do not exist");
        }
        Split split;
        try {
            split = RunSetup.split(run);
            run.tasks().forEach(split::task);
        } catch (RuntimeException e) {
            throw new UnevaluableCheckpointException("the test split of run " + record.runId() + " cannot be rebuilt: "
                    + e.getMessage(), e);
        }
        boolean ownCopy = MethodSpec.parse(run.method()).family() == MethodSpec.Family.BITFIT
                || MethodSpec.parse(run.method()).family() == MethodSpec.Family.FULL_FT;
        ClipModel clip = ownCopy ? load(weights, run) : base(weights, run);
        try (ImagePipeline pipeline = new ImagePipeline(split.root(), clip.config().vision().resolution(), threads, cache);
             PromptMethod method = PromptMethod.create(RunSetup.methodSpec(run), clip, tokenizer, run.tasks(),
                     RunSetup.methodGroups(run), run.seed());
             PromptedClip model = new PromptedClip(clip, method, tokenizer, split.classNames())) {
            CheckpointFile.Loaded loaded = CheckpointFile.restore(file, method);
            if (!run.withoutIds().equals(RunExecutor.runSpecOf(loaded))) {
                throw new UnevaluableCheckpointException("checkpoint file " + file + " was written by another run than the "
                        + "record's " + record.runId());
            }
            Evaluator evaluator = new Evaluator(model, pipeline, batchSize);
            Map<String, ClassificationMetrics> out = new LinkedHashMap<>();
            for (int t = 0; t < run.tasks().size(); t++) {
                out.put(run.tasks().get(t), evaluator.metrics(t, split.task(run.tasks().get(t)).test()));
            }
            return out;
        } finally {
            if (ownCopy) {
                clip.close();
            }
        }
    }

    private ClipModel base(Path weights, RunSpec run) {
        if (cached == null || !run.weightsSha256().equals(cachedSha)) {
            if (cached != null) {
                cached.close();
                cached = null;
            }
            cached = load(weights, run);
            cachedSha = run.weightsSha256();
        }
        return cached;
    }

    private ClipModel load(Path weights, RunSpec run) {
        String sha = CheckpointFile.sha256(weights);
        if (!sha.equals(run.weightsSha256())) {
            throw new UnevaluableCheckpointException("base weights " + weights + " have sha256 " + sha + ", but run "
                    + run.runId() + " was trained on " + run.weightsSha256());
        }
        return ClipModel.load(ClipWeights.read(weights), device);
    }

    private static Path path(String uri, String what) {
        try {
            return Path.of(URI.create(uri));
        } catch (RuntimeException e) {
            throw new UnevaluableCheckpointException(what + " '" + uri + "' is not a file URI: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (cached != null) {
            cached.close();
            cached = null;
        }
    }
}
