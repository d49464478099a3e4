package org.mmapmtl.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.prompt.PromptedClip;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Tagged {@code training} (run alone with {@code -Dgroups=training}); part of the default build. */
@org.junit.jupiter.api.Tag("training")
class TrainerTest {
    private static final TrainingConfig CONFIG = TrainingConfig.paper(4).withEpochs(2).withBatchSize(8)
            .withLearningRate(0.0035, 0).withAugment(false);

    @Test
    void promptTrainingLeavesEveryClipWeightAsItWas() {
        TinyWorld world = TinyWorld.shared();
        try (ClipModel clip = world.loadClip(); PromptedClip model = world.prompted(clip, "mmap-mt", null, 1);
             Trainer trainer = new Trainer(model, world.trainData(), world.pipeline, CONFIG, world.baseSha)) {
            List<float[]> before = clip.weights().stream().map(w -> w.array().toFloatArray()).toList();
            float[] promptBefore = model.method().parameters().get("shared/layer0.source").toFloatArray();
            trainer.run(null, null, new Trainer.Listener() { });
            List<float[]> after = clip.weights().stream().map(w -> w.array().toFloatArray()).toList();
            List<String> changed = new ArrayList<>();
            for (int i = 0; i < before.size(); i++) {
                if (!java.util.Arrays.equals(before.get(i), after.get(i))) {
                    changed.add(clip.weights().get(i).name());
                }
            }
            assertThat(changed).as("CLIP weights that changed").isEmpty();
            assertThat(model.method().parameters().get("shared/layer0.source").toFloatArray()).isNotEqualTo(promptBefore);
        }
    }

    /**
     * The trainer clips what the config asks: the same run clipped to a tiny norm barely moves its prompt. Its step
     * reports say so: the gradient norm before clipping on every step, and whether the step was clipped only where
     * the recipe clips.
     */
    @Test
    void aClippedRunMovesItsPromptFarLessThanTheSameRunUnclippedAndItsReportsSaySo() {
        TinyWorld world = TinyWorld.shared();
        double[] moved = new double[2];
        List<List<Trainer.StepReport>> reports = List.of(new ArrayList<>(), new ArrayList<>());
        for (int clipped = 0; clipped < 2; clipped++) {
            TrainingConfig config = CONFIG.withEpochs(1).withMaxGradNorm(clipped == 1 ? 1e-4 : null);
            List<Trainer.StepReport> runReports = reports.get(clipped);
            try (ClipModel clip = world.loadClip(); PromptedClip model = world.prompted(clip, "mmap-mt", null, 1);
                 Trainer trainer = new Trainer(model, world.trainData(), world.pipeline, config, world.baseSha)) {
                float[] before = model.method().parameters().get("shared/layer0.source").toFloatArray();
                trainer.run(null, null, new Trainer.Listener() {
                    @Override
                    public void onStep(Trainer.StepReport report) {
                        runReports.add(report);
                    }
                });
                float[] after = model.method().parameters().get("shared/layer0.source").toFloatArray();
                for (int i = 0; i < before.length; i++) {
                    moved[clipped] += (double) (after[i] - before[i]) * (after[i] - before[i]);
                }
            }
        }
        assertThat(moved[0]).as("the unclipped run moves its prompt").isPositive();
        assertThat(Math.sqrt(moved[1])).as("clipped to 1e-4").isLessThan(0.01 * Math.sqrt(moved[0]));
        assertThat(reports.get(0)).isNotEmpty().allSatisfy(r -> {
            assertThat(r.gradNorm()).isPositive().isFinite();
            assertThat(r.gradClipped()).as("nothing clips").isNull();
            assertThat(r.epochClippedShare()).isNull();
        });
        // the first step starts from the same prompt either way, so its gradient is the same before clipping
        assertThat(reports.get(1).get(0).gradNorm()).isCloseTo(reports.get(0).get(0).gradNorm(),
                org.assertj.core.data.Offset.offset(1e-4 * reports.get(0).get(0).gradNorm()));
        assertThat(reports.get(1)).allSatisfy(r -> {
            assertThat(r.gradClipped()).isTrue();
            assertThat(r.epochClippedShare()).as("every step of the epoch so far").isEqualTo(1.0);
        });
    }

    @Test
    void aCheckpointRestoresIdenticalLogitsAndResumingContinuesTheSameLossCurve(@TempDir Path dir) {
        TinyWorld world = TinyWorld.shared();
        List<Double> straight;
        List<CheckpointFile.Saved> saved = new ArrayList<>();
        float[] trainedLogits;
        try (ClipModel clip = world.loadClip(); PromptedClip model = world.prompted(clip, "maple-mt", null, 1);
             Trainer trainer = new Trainer(model, world.trainData(), world.pipeline, CONFIG, world.baseSha)) {
            straight = trainer.run(dir.resolve("a"), null, new Trainer.Listener() {
                @Override
                public void onCheckpoint(CheckpointFile.Saved s) {
                    saved.add(s);
                }
            }).losses();
            trainedLogits = logits(world, model);
        }
        assertThat(saved).hasSize(2);
        assertThat(saved.get(1).last()).isTrue();
        assertThat(saved.get(1).sha256()).isEqualTo(CheckpointFile.sha256(saved.get(1).path()));
        CheckpointFile.Loaded loaded = CheckpointFile.read(saved.get(1).path());
        assertThat(loaded.spec().name()).isEqualTo("maple-mt");
        assertThat(loaded.tasks()).isEqualTo(TinyWorld.TASKS);
        assertThat(loaded.baseWeightsSha256()).isEqualTo(world.baseSha);
        assertThat(loaded.parameters().keySet()).allMatch(n -> n.startsWith("shared/"));

        try (ClipModel clip = world.loadClip(); PromptedClip model = world.prompted(clip, "maple-mt", null, 99)) {
            CheckpointFile.restore(saved.get(1).path(), model.method());
            assertThat(logits(world, model)).containsExactly(trainedLogits);
        }

        try (ClipModel clip = world.loadClip(); PromptedClip model = world.prompted(clip, "maple-mt", null, 1);
             Trainer trainer = new Trainer(model, world.trainData(), world.pipeline, CONFIG, world.baseSha)) {
            List<Double> resumed = trainer.run(dir.resolve("b"), saved.get(0).path(), new Trainer.Listener() { }).losses();
            assertThat(resumed).containsExactlyElementsOf(straight.subList(straight.size() - resumed.size(), straight.size()));
            assertThat(resumed).hasSize(straight.size() / 2);
        }

        try (ClipModel clip = world.loadClip(); PromptedClip model = world.prompted(clip, "coop-mt", null, 1);
             Trainer trainer = new Trainer(model, world.trainData(), world.pipeline, CONFIG, world.baseSha)) {
            assertThatThrownBy(() -> trainer.run(null, saved.get(0).path(), new Trainer.Listener() { }))
                    .hasMessageContaining("resume only the run that wrote it");
        }
    }

    @Test
    void snapshotsCarryEachTasksGradientOfTheSharedParameters() {
        TinyWorld world = TinyWorld.shared();
        List<Trainer.TaskGradients> snapshots = new ArrayList<>();
        TrainingConfig config = CONFIG.withEpochs(1).withSnapshots(1, 2);
        try (ClipModel clip = world.loadClip(); PromptedClip model = world.prompted(clip, "mmap-mt", null, 1);
             Trainer trainer = new Trainer(model, world.trainData(), world.pipeline, config, world.baseSha)) {
            trainer.run(null, null, new Trainer.Listener() {
                @Override
                public void onSnapshot(Trainer.TaskGradients s) {
                    snapshots.add(s);
                }
            });
            assertThat(snapshots).extracting(Trainer.TaskGradients::index).containsExactly(0, 1);
            for (Trainer.TaskGradients s : snapshots) {
                assertThat(s.gradients().keySet()).containsExactlyElementsOf(TinyWorld.TASKS);
                for (Map.Entry<String, float[]> e : s.gradients().entrySet()) {
                    assertThat((long) e.getValue().length).isEqualTo(model.method().parameters().count());
                }
                assertThat(s.gradients().get(TinyWorld.TASKS.get(0))).isNotEqualTo(s.gradients().get(TinyWorld.TASKS.get(1)));
            }
        }
    }

    /**
     * A task's snapshot must be its own gradient, not one with the previous task's left in the buffer: each task's
     * snapshot from a multi-task step equals the gradient of a step over that task's batch alone.
     */
    @Test
    void eachTasksSnapshotEqualsItsGradientComputedAlone() {
        TinyWorld world = TinyWorld.shared();
        GradMode.offOnThisThread();
        int r = world.pipeline.resolution();
        try (ClipModel clip = world.loadClip();
             PromptedClip model = world.prompted(clip, "mmap-joint", List.of(List.of("clipart", "painting")), 1);
             NDManager scope = NDManager.newBaseManager(clip.device())) {
            scope.getEngine().setRandomSeed(5);
            List<TrainStep.TaskBatch> batches = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                batches.add(new TrainStep.TaskBatch(t, scope.randomNormal(new Shape(4, 3, r, r)),
                        scope.create(new int[] {0, 1, 2, t})));
            }
            Map<String, float[]> together;
            try (NDManager step = scope.newSubManager(); Sgd sgd = new Sgd(0.9, 5e-4, clip.device())) {
                together = new TrainStep(model, sgd).run(step, batches, 0, true, 0).snapshotGradients();
            }
            assertThat(together.keySet()).containsExactly("clipart", "painting");
            for (int t = 0; t < 2; t++) {
                float[] alone;
                try (NDManager step = scope.newSubManager(); Sgd sgd = new Sgd(0.9, 5e-4, clip.device())) {
                    alone = new TrainStep(model, sgd).run(step, List.of(batches.get(t)), 0, true, 0)
                            .snapshotGradients().get(TinyWorld.TASKS.get(t));
                }
                float[] mixed = together.get(TinyWorld.TASKS.get(t));
                double scale = 0;
                double worst = 0;
                for (int i = 0; i < alone.length; i++) {
                    scale = Math.max(scale, Math.abs(alone[i]));
                    worst = Math.max(worst, Math.abs(alone[i] - mixed[i]));
                }
                assertThat(scale).isGreaterThan(0);
                assertThat(worst / scale).as("task %s: snapshot vs its gradient alone", TinyWorld.TASKS.get(t)).isLessThan(1e-5);
            }
        }
    }

    @Test
    void mixedSamplingStepsOnlyTheTasksAStepDrew() {
        TinyWorld world = TinyWorld.shared();
        List<Trainer.TaskData> data = world.trainData();
        Trainer.TaskData clipart = data.get(0);
        Trainer.TaskData fewPainting = new Trainer.TaskData("painting", data.get(1).train().subList(0, 2));
        TrainingConfig config = CONFIG.withEpochs(1).withBatchSize(2).withSampling(BatchPlan.Sampling.MIXED);
        List<Trainer.StepReport> reports = new ArrayList<>();
        try (ClipModel clip = world.loadClip(); PromptedClip model = world.prompted(clip, "coop-mt", null, 1);
             Trainer trainer = new Trainer(model, List.of(clipart, fewPainting), world.pipeline, config, world.baseSha)) {
            Trainer.Result result = trainer.run(null, null, new Trainer.Listener() {
                @Override
                public void onStep(Trainer.StepReport report) {
                    reports.add(report);
                }
            });
            int images = clipart.train().size() + 2;
            assertThat(result.stepsDone()).isEqualTo((images + 3) / 4);
            BatchPlan plan = trainer.plan();
            List<Long> drewPainting = new ArrayList<>();
            for (long step = 0; step < result.stepsDone(); step++) {
                if (plan.batch(1, step).length > 0) {
                    drewPainting.add(step);
                }
            }
            assertThat(drewPainting).isNotEmpty().hasSizeLessThan((int) result.stepsDone());
            assertThat(reports.stream().filter(r -> r.taskLosses().containsKey("painting")).map(Trainer.StepReport::step))
                    .containsExactlyElementsOf(drewPainting);
            assertThat(reports).allSatisfy(r -> assertThat(r.taskLosses()).containsKey("clipart"));
            // a uniform guess's loss on the same sum: ln C for each task the step trained
            double lnC = Math.log(model.classNames().size());
            assertThat(reports).allSatisfy(r -> assertThat(r.uniformLoss()).isCloseTo(r.taskLosses().size() * lnC, within(1e-12)));
            assertThat(result.losses()).allMatch(l -> Double.isFinite(l) && l > 0);
        }
    }

    @Test
    void eachReportCarriesTheMeanLossOfItsEpochSoFar() {
        TinyWorld world = TinyWorld.shared();
        TrainingConfig config = CONFIG.withEpochs(2).withBatchSize(2);
        List<Trainer.StepReport> reports = new ArrayList<>();
        try (ClipModel clip = world.loadClip(); PromptedClip model = world.prompted(clip, "coop-mt", null, 1);
             Trainer trainer = new Trainer(model, world.trainData(), world.pipeline, config, world.baseSha)) {
            trainer.run(null, null, new Trainer.Listener() {
                @Override
                public void onStep(Trainer.StepReport report) {
                    reports.add(report);
                }
            });
        }
        assertThat(reports.stream().map(Trainer.StepReport::epoch).distinct()).containsExactly(0, 1);
        for (Trainer.StepReport r : reports) {
            double mean = reports.stream().filter(o -> o.epoch() == r.epoch() && o.step() <= r.step())
                    .mapToDouble(Trainer.StepReport::loss).average().orElseThrow();
            assertThat(r.epochLoss()).as("step %d", r.step()).isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-9));
        }
    }

    private static float[] logits(TinyWorld world, PromptedClip model) {
        var batch = world.pipeline.load(world.split.task("painting").test().subList(0, 4), null);
        try (ai.djl.ndarray.NDManager scope = ai.djl.ndarray.NDManager.newBaseManager()) {
            model.method().parameters().bind(scope);
            return model.logits(1, scope.create(batch.pixels(), new ai.djl.ndarray.types.Shape(4, 3, 64, 64))).toFloatArray();
        }
    }
}
