package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmapmtl.data.DatasetLoader;
import org.mmapmtl.data.ImagePipeline;
import org.mmapmtl.data.Sample;
import org.mmapmtl.data.ShapeWorld;
import org.mmapmtl.data.Split;
import org.mmapmtl.data.SplitRule;
import org.mmapmtl.experiment.ExperimentSpec;
import org.mmapmtl.experiment.MethodSpec;
import org.mmapmtl.prompt.PromptMethod;
import org.mmapmtl.prompt.PromptedClip;
import org.mmapmtl.tokenizer.ClipTokenizer;
import org.mmapmtl.train.BaseWeights;
import org.mmapmtl.train.Sgd;
import org.mmapmtl.train.TrainStep;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * bf16 against fp32 where the grouping looks: phase 1's per-task gradients of the shared MmAP prompt, on the demo's
 * CLIP (the released tiny CLIP) and the demo's world. At the same parameters and batches the two precisions must give
 * the same gradients and the same affinities; over further steps their trajectories part, which is what the demo's
 * final accuracies then show (docs/methods.md, "Mixed precision"). The numbers are printed for that page.
 */
class Bf16GradientFidelityTest {
    private static final List<String> TASKS = ShapeWorld.TASK_STYLES;
    private static final int BATCH = 8;
    private static final int STEPS = 9; // the demo's phase 1: one epoch of its data

    @TempDir
    Path dir;

    @Test
    void bf16SnapshotGradientsAndAffinitiesFollowFp32sAtTheSameParameters() {
        Path data = dir.resolve("data");
        ShapeWorld.writeTasks(data, TASKS, ShapeWorld.DEMO_CLASSES, 16, 1, 48);
        Split split = Split.of(DatasetLoader.folder(data), new SplitRule.Percent(25), 1, false);
        ClipWeights weights = ClipWeights.read(BaseWeights.resolve(ExperimentSpec.GENERATED_TINY, dir.resolve("a"), m -> { }));

        List<List<Map<String, float[]>>> byPrecision = new ArrayList<>();
        for (Precision precision : List.of(Precision.FP32, Precision.BF16)) {
            byPrecision.add(snapshots(weights, precision, split, data));
        }
        List<Map<String, float[]>> fp32 = byPrecision.get(0);
        List<Map<String, float[]>> bf16 = byPrecision.get(1);

        double worstGradient = 1;
        double worstAffinity = 0;
        for (String t : TASKS) {
            worstGradient = Math.min(worstGradient, cosine(fp32.get(0).get(t), bf16.get(0).get(t)));
            for (String u : TASKS) {
                worstAffinity = Math.max(worstAffinity, Math.abs(cosine(fp32.get(0).get(t), fp32.get(0).get(u))
                        - cosine(bf16.get(0).get(t), bf16.get(0).get(u))));
            }
        }
        System.out.printf("bf16 against fp32, the first snapshot (same parameters): per-task gradient cosine >= %.5f, "
                + "affinities within %.4f%n", worstGradient, worstAffinity);
        // 8 bits of mantissa in the products, float32 sums: the directions agree to a few parts in 10^5 here
        assertThat(worstGradient).isGreaterThan(0.999);
        assertThat(worstAffinity).isLessThan(0.02);

        for (int s = 1; s < STEPS; s++) {
            double worst = 1;
            double affinity = 0;
            for (String t : TASKS) {
                worst = Math.min(worst, cosine(fp32.get(s).get(t), bf16.get(s).get(t)));
                for (String u : TASKS) {
                    affinity = Math.max(affinity, Math.abs(cosine(fp32.get(s).get(t), fp32.get(s).get(u))
                            - cosine(bf16.get(s).get(t), bf16.get(s).get(u))));
                }
            }
            System.out.printf("  after %d step(s) each on its own trajectory: gradient cosine >= %.5f, affinities within %.4f%n",
                    s, worst, affinity);
        }
    }

    /** Per step, each task's snapshot gradient; every step is a snapshot step, as phase 1's snapshot steps are. */
    private static List<Map<String, float[]>> snapshots(ClipWeights weights, Precision precision, Split split, Path data) {
        ClipTokenizer tokenizer = ClipTokenizer.bundled();
        List<Map<String, float[]>> out = new ArrayList<>();
        try (ClipModel clip = ClipModel.loadOnAnyHardware(weights, Device.cpu(), precision);
             PromptMethod method = PromptMethod.create(MethodSpec.parse("mmap-mt"), clip, tokenizer, TASKS, List.of(), 1);
             PromptedClip model = new PromptedClip(clip, method, tokenizer, split.classNames());
             Sgd sgd = new Sgd(0.9, 5e-4, clip.device());
             ImagePipeline pipeline = new ImagePipeline(data, clip.config().vision().resolution(), 2);
             NDManager root = NDManager.newBaseManager(clip.device())) {
            TrainStep step = new TrainStep(model, sgd);
            int r = clip.config().vision().resolution();
            for (int s = 0; s < STEPS; s++) {
                try (NDManager scope = root.newSubManager()) {
                    List<TrainStep.TaskBatch> batches = new ArrayList<>();
                    for (int t = 0; t < TASKS.size(); t++) {
                        List<Sample> train = split.task(TASKS.get(t)).train();
                        int from = (s * BATCH) % (train.size() - BATCH + 1);
                        ImagePipeline.Batch b = pipeline.load(train.subList(from, from + BATCH), null);
                        batches.add(new TrainStep.TaskBatch(t, scope.create(b.pixels(), new Shape(b.count(), 3, r, r)),
                                scope.create(Arrays.copyOf(b.labels(), b.count()))));
                    }
                    // the demo's learning rate
                    out.add(step.run(scope, batches, 0.005, true, s).snapshotGradients());
                }
            }
        }
        return out;
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
