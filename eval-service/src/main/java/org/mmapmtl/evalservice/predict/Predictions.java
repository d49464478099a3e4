package org.mmapmtl.evalservice.predict;

import ai.djl.Device;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.eval.Predictor;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.experiment.RunSpec;
import org.mmapmtl.service.ConcurrencyLimit;
import org.mmapmtl.experiment.MethodSpec;
import org.mmapmtl.train.CheckpointFile;
import org.mmapmtl.train.Devices;

import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Keeps the predictor of the last checkpoint asked for (and its base CLIP), so that a series of requests on one run
 * loads the model once. One prediction at a time per instance: a model is large, requests are short.
 */
@ApplicationScoped
public class Predictions {
    @ConfigProperty(name = "mmap.device", defaultValue = "cpu")
    String device;

    @Inject
    PredictSettings settings;

    /** requests past their checks that may decode and wait for the model (mmap.predict.max-concurrent) */
    private ConcurrencyLimit admitted;

    @PostConstruct
    void limits() {
        admitted = new ConcurrencyLimit(settings.maxConcurrent());
    }

    private ClipModel base;
    private String baseSha;
    private ClipModel ownClip;
    private Predictor predictor;
    private String predictorKey;

    /** Why a checkpoint cannot serve predictions: its file or base weights are gone or changed. */
    public static final class Unservable extends RuntimeException {
        Unservable(String message) {
            super(message);
        }
    }

    /** Whether one more request may decode its images and wait for the model; if so, it must {@link #leave()}. */
    public boolean admit() {
        return admitted.tryEnter();
    }

    public void leave() {
        admitted.leave();
    }

    /** @param classes null for the run's own */
    public synchronized Map<String, List<Predictor.Prediction>> predict(Checkpoint record, List<String> tasks,
                                                                      List<String> classes, List<BufferedImage> images) {
        Predictor p = predictor(record, classes);
        List<String> wanted = tasks == null || tasks.isEmpty() ? p.tasks() : tasks;
        java.util.LinkedHashMap<String, List<Predictor.Prediction>> out = new java.util.LinkedHashMap<>();
        for (String task : wanted) {
            out.put(task, p.predict(task, images));
        }
        return out;
    }

    /** The tasks and classes the checkpoint predicts for, loading it if needed. */
    public synchronized Predictor describe(Checkpoint record, List<String> classes) {
        return predictor(record, classes);
    }

    private Predictor predictor(Checkpoint record, List<String> classes) {
        String key = record.uri() + "|" + record.sha256() + "|" + (classes == null ? "" : String.join("\u0000", classes));
        if (predictor != null && key.equals(predictorKey)) {
            return predictor;
        }
        closePredictor();
        RunSpec run = record.runSpec();
        if (run == null) {
            throw new Unservable("checkpoint of run " + record.runId() + " was announced without its run spec "
                    + "(mmap.checkpoint/1.0): its model cannot be rebuilt");
        }
        Path file = path(record.uri());
        if (!Files.isRegularFile(file)) {
            throw new Unservable("checkpoint file " + file + " of run " + record.runId() + " does not exist any more");
        }
        if (!CheckpointFile.sha256(file).equals(record.sha256())) {
            throw new Unservable("checkpoint file " + file + " changed after it was announced (sha256 differs)");
        }
        MethodSpec.Family family = MethodSpec.parse(run.method()).family();
        boolean changesClip = family == MethodSpec.Family.BITFIT || family == MethodSpec.Family.FULL_FT;
        ClipModel clip = changesClip ? load(run) : base(run);
        if (changesClip) {
            ownClip = clip;
        }
        try {
            predictor = Predictor.open(clip, run.weightsSha256(), file, classes);
        } catch (RuntimeException e) {
            closePredictor();
            throw e;
        }
        predictorKey = key;
        return predictor;
    }

    private ClipModel base(RunSpec run) {
        if (base == null || !Objects.equals(baseSha, run.weightsSha256())) {
            if (base != null) {
                base.close();
                base = null;
            }
            base = load(run);
            baseSha = run.weightsSha256();
        }
        return base;
    }

    private ClipModel load(RunSpec run) {
        Path weights = path(run.weightsUri());
        if (!Files.isRegularFile(weights)) {
            throw new Unservable("base weights " + weights + " of run " + run.runId() + " do not exist");
        }
        if (!CheckpointFile.sha256(weights).equals(run.weightsSha256())) {
            throw new Unservable("base weights " + weights + " changed since run " + run.runId() + " trained on them");
        }
        Device d = Devices.named(device);
        return ClipModel.load(ClipWeights.read(weights), d);
    }

    private static Path path(String uri) {
        try {
            return Path.of(URI.create(uri));
        } catch (RuntimeException e) {
            throw new Unservable("'" + uri + "' is not a file URI");
        }
    }

    private void closePredictor() {
        if (predictor != null) {
            predictor.close();
            predictor = null;
            predictorKey = null;
        }
        if (ownClip != null) {
            ownClip.close();
            ownClip = null;
        }
    }

    @PreDestroy
    synchronized void close() {
        closePredictor();
        if (base != null) {
            base.close();
            base = null;
        }
    }
}
