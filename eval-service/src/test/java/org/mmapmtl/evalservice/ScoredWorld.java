package org.mmapmtl.evalservice;

import ai.djl.Device;
import org.mmapmtl.data.SyntheticDomains;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.events.GradientSnapshot;
import org.mmapmtl.experiment.DatasetSpec;
import org.mmapmtl.experiment.ExperimentSpec;
import org.mmapmtl.experiment.PromptSettings;
import org.mmapmtl.experiment.Recipe;
import org.mmapmtl.experiment.RunSpec;
import org.mmapmtl.io.Trees;
import org.mmapmtl.train.BaseWeights;
import org.mmapmtl.train.CheckpointFile;
import org.mmapmtl.train.RunExecutor;
import org.mmapmtl.train.Trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checkpoints of real (tiny) training runs as the trainer announces them: coop-mt with three seeds (one epoch) and a
 * zero-shot run, on a generated 5-domain world with a tiny CLIP pretrained on the domain that is not a task (so that
 * scores differ from chance and by seed). Trained once per JVM; tests re-announce them under their own ids.
 */
public final class ScoredWorld {
    public static final Path ROOT = Path.of("target/test-world").toAbsolutePath();
    public static final Path DATA = ROOT.resolve("data");
    public static final List<String> TASKS = List.of("clipart", "sketch", "painting", "photo_2");
    public static final String EXPERIMENT = "scored";
    private static List<Checkpoint> records;

    private ScoredWorld() {
    }

    public static synchronized List<Checkpoint> records() throws IOException {
        if (records != null) {
            return records;
        }
        Path artifacts = ROOT.resolve("artifacts");
        Trees.delete(artifacts); // an earlier JVM's runs would be resumed, not trained
        if (!Files.isDirectory(DATA.resolve("photo_2"))) {
            SyntheticDomains.generate(DATA, 5, 4, 8, 11, 64);
        }
        DatasetSpec dataset = new DatasetSpec("folder", DATA.toString(), 50.0, null, null, false, TASKS);
        Path weights = BaseWeights.resolve(ExperimentSpec.GENERATED_TINY, ROOT.resolve("base"), message -> { });
        String sha = CheckpointFile.sha256(weights);
        List<Checkpoint> out = new ArrayList<>();
        for (String method : List.of("coop-mt", "zero-shot")) {
            for (long seed : method.equals("zero-shot") ? List.of(1L) : List.of(1L, 2L, 3L)) {
                RunSpec run = new RunSpec(EXPERIMENT, EXPERIMENT + "." + method + ".s" + seed, method, RunSpec.SINGLE,
                        method, seed, TASKS, List.of(TASKS), dataset, weights.toString(), weights.toUri().toString(), sha,
                        new Recipe(1, 4, 0.0035, 0.9, 5e-4, 0, 1e-5, false, "per-task", Recipe.PER_TASK), new PromptSettings(2, 0, 0, 0),
                        0, 0, "cpu");
                RunExecutor.run(run, artifacts.resolve(run.runId()), Device.cpu(), 2, new RunExecutor.Events() {
                    @Override
                    public void snapshot(GradientSnapshot s) {
                    }

                    @Override
                    public void checkpoint(CheckpointFile.Saved s) {
                        out.add(new Checkpoint(EXPERIMENT, run.runId(), method, seed, TASKS, List.of(TASKS), s.epoch(),
                                s.last(), s.path().toUri().toString(), s.sha256(), s.trainableParameters(), run));
                    }

                    @Override
                    public void step(Trainer.StepReport report) {
                    }

                    @Override
                    public boolean cancelled() {
                        return false;
                    }
                });
            }
        }
        records = List.copyOf(out);
        return records;
    }

    /** The same checkpoint announced for another experiment: a new run id, the same file and run settings. */
    public static Checkpoint as(String experimentId, Checkpoint c) {
        String runId = experimentId + c.runId().substring(c.experimentId().length());
        RunSpec s = c.runSpec();
        RunSpec spec = new RunSpec(experimentId, runId, s.variant(), s.stage(), s.method(), s.seed(), s.tasks(),
                s.groups(), s.dataset(), s.weights(), s.weightsUri(), s.weightsSha256(), s.recipe(), s.prompt(), 0, 0,
                "cpu");
        return new Checkpoint(experimentId, runId, c.method(), c.seed(), c.tasks(), c.groups(), c.epoch(),
                c.finalEpoch(), c.uri(), c.sha256(), c.trainableParams(), spec);
    }
}
