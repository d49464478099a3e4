package org.mmapmtl.train;

import ai.djl.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmapmtl.events.GradientSnapshot;
import org.mmapmtl.experiment.DatasetSpec;
import org.mmapmtl.experiment.PromptSettings;
import org.mmapmtl.experiment.Recipe;
import org.mmapmtl.experiment.RunSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tagged {@code training}: runs from their specs, as the trainer service runs them. */
@org.junit.jupiter.api.Tag("training")
class RunExecutorTest {
    final TinyWorld world = TinyWorld.shared();

    RunSpec run(String method, int epochs, int snapshotEvery, int snapshots) {
        return run(method, epochs, snapshotEvery, snapshots, null);
    }

    RunSpec run(String method, int epochs, int snapshotEvery, int snapshots, Double maxGradNorm) {
        DatasetSpec data = new DatasetSpec("folder", world.dir.resolve("data").toString(), 50.0, null, 1L, false,
                List.of("photo", "clipart", "painting", "sketch"));
        Recipe recipe = new Recipe(epochs, 4, 0.0035, 0.9, 5e-4, 0, 1e-5, true, "per-task", Recipe.PER_TASK)
                .withMaxGradNorm(maxGradNorm);
        return new RunSpec("e1", "e1." + method + ".s1", method, RunSpec.SINGLE, method, 1, TinyWorld.TASKS,
                List.of(TinyWorld.TASKS), data, world.weights.toString(), world.weights.toUri().toString(), world.baseSha,
                recipe, new PromptSettings(2, 1, 2, 64), snapshotEvery, snapshots, "cpu");
    }

    static class Recording implements RunExecutor.Events {
        final List<CheckpointFile.Saved> saved = new ArrayList<>();
        final List<GradientSnapshot> snapshots = new ArrayList<>();
        final AtomicInteger steps = new AtomicInteger();
        final int stopAfter;

        Recording(int stopAfter) {
            this.stopAfter = stopAfter;
        }

        @Override
        public void snapshot(GradientSnapshot s) {
            snapshots.add(s);
        }

        @Override
        public void checkpoint(CheckpointFile.Saved s) {
            saved.add(s);
        }

        @Override
        public void step(Trainer.StepReport report) {
            steps.incrementAndGet();
        }

        @Override
        public boolean cancelled() {
            return steps.get() >= stopAfter;
        }

        @Override
        public Trainer.WhenStopped whenStopped() {
            return Trainer.WhenStopped.NOTHING; // a trainer dying: the next one resumes from the last epoch
        }
    }

    @Test
    void theRecipesClippingReachesTheTrainingConfigAndTheCheckpointsConfigOnlyWhenSet() {
        TrainingConfig plain = RunSetup.trainingConfig(run("coop-mt", 1, 0, 0));
        TrainingConfig clipped = RunSetup.trainingConfig(run("coop-mt", 1, 0, 0, 5.0));
        assertThat(plain.maxGradNorm()).isNull();
        assertThat(clipped.maxGradNorm()).isEqualTo(5.0);
        // a checkpoint's config is compared as text on resume: an unclipped run's reads as before the field existed
        assertThat(CheckpointFile.json(plain)).doesNotContain("maxGradNorm");
        assertThat(CheckpointFile.json(clipped)).contains("\"maxGradNorm\":5.0");
    }

    @Test
    void aRunStoppedMidEpochAndResumedWritesTheSameFilesByteForByte(@TempDir Path dir) {
        RunSpec run = run("coop-mt", 3, 0, 0);
        Recording straight = new Recording(Integer.MAX_VALUE);
        RunExecutor.run(run, dir.resolve("straight"), Device.cpu(), 2, straight);
        assertThat(straight.saved).extracting(CheckpointFile.Saved::epoch).containsExactly(1, 2, 3);

        Recording killed = new Recording(11); // 8 steps per epoch: stops in epoch 2, after epoch 1's checkpoint
        RunExecutor.Outcome first = RunExecutor.run(run, dir.resolve("resumed"), Device.cpu(), 2, killed);
        assertThat(first.cancelled()).isTrue();
        assertThat(killed.saved).extracting(CheckpointFile.Saved::epoch).containsExactly(1);
        Recording rest = new Recording(Integer.MAX_VALUE);
        RunExecutor.run(run, dir.resolve("resumed"), Device.cpu(), 2, rest);
        assertThat(rest.steps.get()).isEqualTo(16);
        assertThat(rest.saved).extracting(CheckpointFile.Saved::epoch).containsExactly(2, 3);

        List<String> expected = straight.saved.stream().map(CheckpointFile.Saved::sha256).toList();
        List<String> resumed = new ArrayList<>(killed.saved.stream().map(CheckpointFile.Saved::sha256).toList());
        rest.saved.forEach(s -> resumed.add(s.sha256()));
        assertThat(resumed).isEqualTo(expected);
        assertThat(RunExecutor.runSpecOf(CheckpointFile.read(straight.saved.get(2).path()))).isEqualTo(run.withoutIds());
    }

    @Test
    void aTrainerShuttingDownMidEpochLeavesAResumePointAndTheRunEndsAsIfNeverStopped(@TempDir Path dir) {
        RunSpec run = run("coop-mt", 3, 0, 0);
        Recording straight = new Recording(Integer.MAX_VALUE);
        RunExecutor.run(run, dir.resolve("straight"), Device.cpu(), 2, straight);

        Path runDir = dir.resolve("stopped");
        Recording shutdown = new Recording(11) { // 8 steps per epoch: stops 3 steps into epoch 2
            @Override
            public Trainer.WhenStopped whenStopped() {
                return Trainer.WhenStopped.RESUME_POINT;
            }
        };
        RunExecutor.Outcome first = RunExecutor.run(run, runDir, Device.cpu(), 2, shutdown);
        assertThat(first.resumePoint()).isEqualTo(runDir.resolve("resume-step-11.safetensors")).exists();
        assertThat(shutdown.saved).extracting(CheckpointFile.Saved::epoch).as("a resume point is not announced")
                .containsExactly(1);
        assertThat(CheckpointFile.read(first.resumePoint()).step()).isEqualTo(11);

        Recording rest = new Recording(Integer.MAX_VALUE);
        RunExecutor.run(run, runDir, Device.cpu(), 2, rest);
        assertThat(rest.steps.get()).as("continues at step 11 of 24").isEqualTo(13);
        List<String> resumed = new ArrayList<>(shutdown.saved.stream().map(CheckpointFile.Saved::sha256).toList());
        rest.saved.forEach(s -> resumed.add(s.sha256()));
        assertThat(resumed).isEqualTo(straight.saved.stream().map(CheckpointFile.Saved::sha256).toList());
        assertThat(first.resumePoint()).as("epoch 2's checkpoint supersedes it").doesNotExist();
    }

    @Test
    void aSplitThatLeavesATaskNoTestImagesIsRefusedBeforeTraining(@TempDir Path dir) {
        RunSpec base = run("coop-mt", 1, 0, 0);
        DatasetSpec allShots = new DatasetSpec("folder", base.dataset().root(), null, 1000, 1L, false, base.dataset().tasks());
        RunSpec run = new RunSpec(base.experimentId(), base.runId(), base.variant(), base.stage(), base.method(),
                base.seed(), base.tasks(), base.groups(), allShots, base.weights(), base.weightsUri(),
                base.weightsSha256(), base.recipe(), base.prompt(), 0, 0, "cpu");
        assertThatThrownBy(() -> RunExecutor.run(run, dir, Device.cpu(), 2, new Recording(Integer.MAX_VALUE)))
                .isInstanceOf(org.mmapmtl.data.DatasetException.class)
                .hasMessageContaining("clipart has no test images").hasMessageContaining("fewer shots");
    }

    @Test
    void aUsersCancelKeepsTheUnfinishedEpoch(@TempDir Path dir) {
        Recording cancel = new Recording(5) {
            @Override
            public Trainer.WhenStopped whenStopped() {
                return Trainer.WhenStopped.KEEP_UNFINISHED_EPOCH;
            }
        };
        RunExecutor.run(run("coop-mt", 2, 0, 0), dir, Device.cpu(), 2, cancel);
        assertThat(cancel.saved).hasSize(1);
        assertThat(cancel.saved.get(0).epoch()).isEqualTo(1);
        assertThat(cancel.saved.get(0).last()).isFalse();
        assertThat(cancel.saved.get(0).path().getFileName().toString()).isEqualTo("cancelled-epoch-1-step-5.safetensors");
        assertThat(RunExecutor.epochCheckpoints(dir)).isEmpty();
    }

    @Test
    void phaseOneSendsEveryTasksGradientAtEverySnapshot(@TempDir Path dir) {
        Recording r = new Recording(Integer.MAX_VALUE);
        RunExecutor.run(run("mmap-mt", 1, 3, 2), dir, Device.cpu(), 2, r);
        assertThat(r.snapshots).extracting(GradientSnapshot::snapshot).containsExactly(0, 0, 1, 1);
        assertThat(r.snapshots).extracting(GradientSnapshot::task).containsExactly("clipart", "painting", "clipart", "painting");
        assertThat(r.snapshots).extracting(GradientSnapshot::step).containsExactly(2L, 2L, 5L, 5L);
    }

    @Test
    void aRunTrainsOnAThreadOtherThanTheOneThatStartedTheEngine(@TempDir Path dir) throws Exception {
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Recording r = new Recording(Integer.MAX_VALUE);
        Thread worker = new Thread(() -> {
            try {
                RunExecutor.run(run("coop-mt", 1, 0, 0), dir, Device.cpu(), 2, r);
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "another-thread");
        worker.start();
        worker.join();
        assertThat(failure.get()).isNull();
        assertThat(r.saved).hasSize(1);
    }

    @Test
    void zeroShotIsOneCheckpointWithoutParameters(@TempDir Path dir) {
        Recording r = new Recording(Integer.MAX_VALUE);
        RunExecutor.run(run("zero-shot", 1, 0, 0), dir, Device.cpu(), 2, r);
        assertThat(r.saved).singleElement().satisfies(s -> {
            assertThat(s.trainableParameters()).isZero();
            assertThat(s.epoch()).isZero();
            assertThat(s.last()).isTrue();
        });
    }

    @Test
    void importedPromptsAreScoredAsTheyCameWithoutTraining(@TempDir Path dir) {
        Recording trained = new Recording(Integer.MAX_VALUE);
        RunExecutor.run(run("maple-mt", 1, 0, 0), dir.resolve("elsewhere"), Device.cpu(), 2, trained);
        Path source = trained.saved.get(0).path();
        RunSpec base = run("maple-mt", 1, 0, 0);
        RunSpec imported = new RunSpec("e2", "e2.theirs.s1", "theirs", RunSpec.IMPORTED, "maple-mt", 1, base.tasks(),
                base.groups(), base.dataset(), base.weights(), base.weightsUri(), base.weightsSha256(), base.recipe(),
                base.prompt(), 0, 0, "cpu", null, source.toString());
        assertThat(imported.trains()).isFalse();

        Recording r = new Recording(Integer.MAX_VALUE);
        RunExecutor.run(imported, dir.resolve("imported"), Device.cpu(), 2, r);
        assertThat(r.steps.get()).as("nothing trained").isZero();
        assertThat(r.saved).singleElement().satisfies(s -> {
            assertThat(s.path().getFileName().toString()).isEqualTo("imported.safetensors");
            assertThat(s.last()).isTrue();
            assertThat(s.trainableParameters()).isEqualTo(trained.saved.get(0).trainableParameters()).isPositive();
        });
        CheckpointFile.Loaded mine = CheckpointFile.read(r.saved.get(0).path());
        CheckpointFile.Loaded theirs = CheckpointFile.read(source);
        assertThat(mine.parameters().keySet()).isEqualTo(theirs.parameters().keySet());
        mine.parameters().forEach((name, t) -> assertThat(t.toFloats()).as(name).isEqualTo(theirs.parameters().get(name).toFloats()));
        assertThat(mine.metadata()).containsEntry("imported_from", source.getFileName().toString());
        assertThat(RunExecutor.runSpecOf(mine)).isEqualTo(imported.withoutIds());

        // prompts made on other base weights are refused by name
        java.util.Map<String, String> meta = new java.util.LinkedHashMap<>(theirs.metadata());
        meta.put("base_sha256", "f".repeat(64));
        Path other = dir.resolve("other-base.safetensors");
        org.mmapmtl.safetensors.Safetensors.write(other, theirs.parameters(), meta);
        RunSpec onOther = new RunSpec("e2", "e2.other.s1", "other", RunSpec.IMPORTED, "maple-mt", 1, base.tasks(),
                base.groups(), base.dataset(), base.weights(), base.weightsUri(), base.weightsSha256(), base.recipe(),
                base.prompt(), 0, 0, "cpu", null, other.toString());
        assertThatThrownBy(() -> RunExecutor.run(onOther, dir.resolve("other"), Device.cpu(), 2, new Recording(1)))
                .hasMessageContaining("other-base.safetensors was made on base weights with sha256 'fff")
                .hasMessageContaining("./mmap import --weights");
    }

    @Test
    void otherBaseWeightsThanPlannedAreRefused(@TempDir Path dir) {
        RunSpec run = run("coop-mt", 1, 0, 0);
        RunSpec wrong = run.withWeights(run.weightsUri(), "0".repeat(64));
        assertThatThrownBy(() -> RunExecutor.run(wrong, dir, Device.cpu(), 2, new Recording(1)))
                .hasMessageContaining("changed since the run started");
    }
}
