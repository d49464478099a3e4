package org.mmapmtl.train;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipPreprocessor;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.clip.ZeroShotClassifier;
import org.mmapmtl.data.Sample;
import org.mmapmtl.eval.CheckpointScorer;
import org.mmapmtl.eval.ClassificationMetrics;
import org.mmapmtl.eval.Predictor;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.experiment.DatasetSpec;
import org.mmapmtl.experiment.PromptSettings;
import org.mmapmtl.experiment.Recipe;
import org.mmapmtl.experiment.RunSpec;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Tagged {@code training}: predictions agree with the evaluation of the same checkpoint and with zero-shot CLIP. */
@org.junit.jupiter.api.Tag("training")
class PredictorTest {
    final TinyWorld world = TinyWorld.shared();

    @Test
    void aCheckpointsPredictionsAreTheEvaluatorsAndProbabilitiesSumToOne(@TempDir Path dir) {
        DatasetSpec data = new DatasetSpec("folder", world.dir.resolve("data").toString(), 50.0, null, 1L, false,
                List.of("photo", "clipart", "painting", "sketch"));
        RunSpec run = new RunSpec("p", "p.coop-mt.s1", "coop-mt", RunSpec.SINGLE, "coop-mt", 1, TinyWorld.TASKS,
                List.of(TinyWorld.TASKS), data, world.weights.toString(), world.weights.toUri().toString(), world.baseSha,
                new Recipe(1, 4, 0.0035, 0.9, 5e-4, 0, 1e-5, false, "per-task", Recipe.PER_TASK), new PromptSettings(2, 0, 0, 0), 0, 0, "cpu");
        RunExecutorTest.Recording events = new RunExecutorTest.Recording(Integer.MAX_VALUE);
        RunExecutor.run(run, dir, Device.cpu(), 2, events);
        CheckpointFile.Saved saved = events.saved.get(0);
        Map<String, ClassificationMetrics> scored;
        try (CheckpointScorer scorer = new CheckpointScorer(Device.cpu(), 2, 8, null)) {
            scored = scorer.score(new Checkpoint("p", run.runId(), run.method(), 1, run.tasks(), run.groups(), 1, true,
                    saved.path().toUri().toString(), saved.sha256(), saved.trainableParameters(), run));
        }
        // the checkpoint names the base weights its run loaded, so a prediction needs no --weights; other weights are
        // refused with that file's name
        assertThat(Predictor.baseWeightsOf(saved.path())).isEqualTo(world.weights);
        try (ClipModel clip = ClipModel.load(ClipWeights.read(world.weights), Device.cpu())) {
            assertThatThrownBy(() -> Predictor.open(clip, "0".repeat(64), saved.path(), null))
                    .hasMessageContaining("use " + world.weights);
        }
        try (ClipModel clip = ClipModel.load(ClipWeights.read(world.weights), Device.cpu());
             Predictor predictor = Predictor.open(clip, world.baseSha, saved.path(), null)) {
            assertThat(predictor.tasks()).isEqualTo(TinyWorld.TASKS);
            assertThat(predictor.classNames()).isEqualTo(RunSetup.split(run).classNames());
            for (String task : TinyWorld.TASKS) {
                List<Sample> test = RunSetup.split(run).task(task).test();
                Path root = RunSetup.split(run).root();
                List<BufferedImage> images = test.stream().map(s -> ClipPreprocessor.read(root.resolve(s.path()))).toList();
                List<Predictor.Prediction> predictions = predictor.predict(task, images);
                long correct = 0;
                for (int i = 0; i < test.size(); i++) {
                    Predictor.Prediction p = predictions.get(i);
                    assertThat(p.classes().stream().mapToDouble(Predictor.ClassProbability::probability).sum())
                            .isCloseTo(1.0, within(1e-5));
                    assertThat(p.classes().get(0).name()).isEqualTo(p.predicted());
                    if (predictor.classNames().indexOf(p.predicted()) == test.get(i).label()) {
                        correct++;
                    }
                }
                assertThat(correct).as(task).isEqualTo(scored.get(task).correct());
            }
        }
    }

    @Test
    void withoutACheckpointItIsZeroShotClip() {
        List<String> classes = world.split.classNames();
        try (ClipModel clip = ClipModel.load(ClipWeights.read(world.weights), Device.cpu());
             Predictor predictor = Predictor.open(clip, null, null, classes);
             ZeroShotClassifier zeroShot = new ZeroShotClassifier(clip, world.tokenizer, classes);
             NDManager scope = NDManager.newBaseManager()) {
            List<Sample> test = world.split.task("clipart").test();
            List<BufferedImage> images = test.stream()
                    .map(s -> ClipPreprocessor.read(world.split.root().resolve(s.path()))).toList();
            ClipPreprocessor pre = new ClipPreprocessor(predictor.resolution());
            int r = predictor.resolution();
            float[] pixels = new float[images.size() * 3 * r * r];
            for (int i = 0; i < images.size(); i++) {
                System.arraycopy(pre.apply(images.get(i)), 0, pixels, i * 3 * r * r, 3 * r * r);
            }
            long[] expected = zeroShot.classify(scope.create(pixels, new Shape(images.size(), 3, r, r)));
            List<Predictor.Prediction> got = predictor.predict(Predictor.ZERO_SHOT_TASK, images);
            for (int i = 0; i < expected.length; i++) {
                assertThat(got.get(i).predicted()).isEqualTo(classes.get((int) expected[i]));
            }
        }
    }

    @Test
    void itSaysWhatIsMissingOrWrong() {
        try (ClipModel clip = ClipModel.load(ClipWeights.read(world.weights), Device.cpu())) {
            assertThatThrownBy(() -> Predictor.open(clip, null, null, null)).hasMessageContaining("class names");
            assertThatThrownBy(() -> Predictor.open(clip, null, world.weights, List.of("a")))
                    .hasMessageContaining("not an mmap checkpoint");
            try (Predictor p = Predictor.open(clip, null, null, List.of("a", "b"))) {
                assertThatThrownBy(() -> p.predict("clipart", List.of())).hasMessageContaining("clipart")
                        .hasMessageContaining(Predictor.ZERO_SHOT_TASK);
            }
        }
    }
}
