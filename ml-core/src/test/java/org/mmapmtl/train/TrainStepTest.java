package org.mmapmtl.train;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mmapmtl.clip.ClipArchitecture;
import org.mmapmtl.clip.ClipInitializer;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.experiment.MethodSpec;
import org.mmapmtl.prompt.PromptMethod;
import org.mmapmtl.prompt.PromptedClip;
import org.mmapmtl.safetensors.Tensor;
import org.mmapmtl.tokenizer.ClipTokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/**
 * The optimised step (text tower cut after the longest class text; one forward and one backward for all tasks, with
 * shared text and image forwards) must train exactly as the straightforward one (the full 77-position context,
 * per-task forward and backward, gradients summed): the same losses, momentum buffers (the gradients plus weight
 * decay) and updated parameters after two steps, for methods of every sharing; and at a snapshot step, where the
 * optimised step runs one text forward per prompt set and a backward per task through it, the same per-task gradients.
 */
class TrainStepTest {
    private static final List<String> TASKS = List.of("clipart", "painting", "sketch");
    private static final List<List<String>> GROUPS = List.of(List.of("clipart", "sketch"), List.of("painting"));
    private static final List<String> CLASSES = List.of("alarm clock", "bike", "push pin", "toothbrush");

    @TempDir
    static Path dir;
    static Path weights;

    @BeforeAll
    static void write() {
        weights = dir.resolve("tiny.safetensors");
        ClipInitializer.write(weights, ClipArchitecture.TINY, 3);
    }

    record Trained(List<Map<String, Double>> losses, Map<String, Tensor> parameters, Map<String, Tensor> momentum,
                   Map<String, float[]> snapshot) {
    }

    /** The method with seed 11, grouped as {@link #GROUPS} where it groups tasks. */
    private static PromptMethod method(String methodName, ClipModel clip, ClipTokenizer tokenizer) {
        MethodSpec spec = MethodSpec.parse(methodName);
        return PromptMethod.create(spec, clip, tokenizer, TASKS,
                spec.sharing() == MethodSpec.Sharing.GROUPED ? GROUPS : List.of(), 11);
    }

    /** Two steps, then (with {@code snapshot}) a third that keeps each task's gradient. */
    private static Trained train(String methodName, boolean optimised, boolean snapshot) {
        GradMode.offOnThisThread();
        ClipTokenizer tokenizer = ClipTokenizer.bundled();
        try (ClipModel clip = ClipModel.load(ClipWeights.read(weights), Device.cpu());
             PromptMethod method = method(methodName, clip, tokenizer);
             PromptedClip model = new PromptedClip(clip, method, tokenizer, CLASSES, optimised);
             Sgd sgd = new Sgd(0.9, 5e-4, clip.device());
             NDManager root = NDManager.newBaseManager(clip.device())) {
            TrainStep step = new TrainStep(model, sgd, optimised);
            // [SOT, placeholders, class tokens, ., EOT] is a few positions beyond the placeholders, against the full 77
            if (optimised) {
                assertThat(model.textLength()).isLessThan(30); // CoOp's 16 placeholders are the most
            } else {
                assertThat(model.textLength()).isEqualTo(77);
            }
            int r = clip.config().vision().resolution();
            List<Map<String, Double>> losses = new ArrayList<>();
            Map<String, float[]> kept = Map.of();
            for (int s = 0; s < (snapshot ? 3 : 2); s++) {
                try (NDManager scope = root.newSubManager()) {
                    scope.getEngine().setRandomSeed(100 + s);
                    List<TrainStep.TaskBatch> batches = new ArrayList<>();
                    for (int t = 0; t < TASKS.size(); t++) {
                        if (s == 1 && t == 1) {
                            continue; // a step without one task's batch, as mixed sampling can draw
                        }
                        int n = 2 + t; // tasks of different batch sizes, as a last batch can be
                        batches.add(new TrainStep.TaskBatch(t, scope.randomNormal(new Shape(n, 3, r, r)),
                                scope.randomInteger(0, CLASSES.size(), new Shape(n), DataType.INT64)));
                    }
                    TrainStep.Outcome outcome = step.run(scope, batches, 0.05, s == 2, s);
                    losses.add(outcome.taskLosses());
                    kept = outcome.snapshotGradients();
                }
            }
            return new Trained(losses, method.parameters().toTensors(), sgd.state(), kept);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mmap-mt", "mmap", "mmap-st", "coop", "coop-mt", "vpt-mt", "maple-mt", "clip-adapter", "bitfit"})
    void theOptimisedStepTrainsAsTheStraightforwardStep(String method) {
        Trained plain = train(method, false, false);
        Trained fused = train(method, true, false);
        for (int s = 0; s < 2; s++) {
            assertThat(fused.losses().get(s).keySet()).isEqualTo(plain.losses().get(s).keySet());
            for (String task : plain.losses().get(s).keySet()) {
                assertThat(fused.losses().get(s).get(task)).as("step %d, loss of %s", s, task)
                        .isCloseTo(plain.losses().get(s).get(task), org.assertj.core.data.Offset.offset(1e-5));
            }
        }
        assertThat(plain.losses().get(1)).doesNotContainKey(TASKS.get(1));
        assertClose("parameter", plain.parameters(), fused.parameters());
        assertClose("momentum", plain.momentum(), fused.momentum());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mmap-mt", "mmap", "maple-mt", "coop-mt", "vpt-mt", "bitfit"})
    void aSnapshotStepKeepsTheSameGradientsOfEachTask(String method) {
        // without it the optimised snapshot step quietly falls back to a text forward per task, and this test would
        // hold that path instead of the shared one
        assertThat(RetainedBackward.available()).as("libtorch's retained backward reachable through DJL").isTrue();
        Trained plain = train(method, false, true);
        Trained optimised = train(method, true, true);
        assertThat(optimised.snapshot().keySet()).containsExactlyElementsOf(TASKS);
        Map<String, Tensor> expected = new java.util.LinkedHashMap<>();
        Map<String, Tensor> actual = new java.util.LinkedHashMap<>();
        plain.snapshot().forEach((task, g) -> expected.put(task, Tensor.vector(g)));
        optimised.snapshot().forEach((task, g) -> actual.put(task, Tensor.vector(g)));
        assertClose("snapshot gradient of", expected, actual);
        assertClose("parameter", plain.parameters(), optimised.parameters());
    }

    record OneStep(Map<String, Tensor> before, Map<String, Tensor> after, Map<String, float[]> snapshot,
                   double gradNorm, Boolean clipped) {
        /** Every parameter's change, one vector. */
        float[] change() {
            float[] v = new float[before.values().stream().mapToInt(t -> t.toFloats().length).sum()];
            int at = 0;
            for (Map.Entry<String, Tensor> e : before.entrySet()) {
                float[] b = e.getValue().toFloats();
                float[] a = after.get(e.getKey()).toFloats();
                for (int i = 0; i < b.length; i++) {
                    v[at++] = a[i] - b[i];
                }
            }
            return v;
        }
    }

    /** One step of {@code methodName} from its seeded start, SGD without momentum or decay: the change is −lr·update. */
    private static OneStep oneStep(String methodName, boolean optimised, boolean snapshot, Double maxGradNorm) {
        GradMode.offOnThisThread();
        ClipTokenizer tokenizer = ClipTokenizer.bundled();
        try (ClipModel clip = ClipModel.load(ClipWeights.read(weights), Device.cpu());
             PromptMethod method = method(methodName, clip, tokenizer);
             PromptedClip model = new PromptedClip(clip, method, tokenizer, CLASSES, optimised);
             Sgd sgd = new Sgd(0, 0, clip.device());
             NDManager scope = NDManager.newBaseManager(clip.device())) {
            Map<String, Tensor> before = method.parameters().toTensors();
            scope.getEngine().setRandomSeed(100);
            int r = clip.config().vision().resolution();
            List<TrainStep.TaskBatch> batches = new ArrayList<>();
            for (int t = 0; t < TASKS.size(); t++) {
                batches.add(new TrainStep.TaskBatch(t, scope.randomNormal(new Shape(3, 3, r, r)),
                        scope.randomInteger(0, CLASSES.size(), new Shape(3), DataType.INT64)));
            }
            TrainStep.Outcome outcome = new TrainStep(model, sgd, optimised, maxGradNorm).run(scope, batches, 0.5,
                    snapshot, 0);
            return new OneStep(before, method.parameters().toTensors(), outcome.snapshotGradients(), outcome.gradNorm(),
                    outcome.clipped());
        }
    }

    private static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }

    @ParameterizedTest(name = "snapshot step: {0}")
    @ValueSource(booleans = {false, true})
    void aClippedStepMovesAlongTheSameGradientShortenedToTheMaximumAndSnapshotsKeepItWhole(boolean snapshot) {
        OneStep free = oneStep("mmap", true, snapshot, null);
        double gradientNorm = norm(free.change()) / 0.5;
        assertThat(gradientNorm).isGreaterThan(1e-3);
        // the outcome reports the norm the update had before any clipping, as progress reports carry it
        assertThat(free.gradNorm()).isCloseTo(gradientNorm, offset(gradientNorm * 1e-4));
        assertThat(free.clipped()).as("nothing clips").isNull();
        double max = gradientNorm / 4;
        OneStep clipped = oneStep("mmap", true, snapshot, max);
        assertThat(clipped.gradNorm()).isCloseTo(gradientNorm, offset(gradientNorm * 1e-4));
        assertThat(clipped.clipped()).isTrue();
        float[] f = free.change();
        float[] c = clipped.change();
        assertThat(norm(c) / 0.5).as("the update's gradient norm").isCloseTo(max, offset(max * 1e-4));
        double worst = 0;
        for (int i = 0; i < f.length; i++) {
            worst = Math.max(worst, Math.abs(c[i] - f[i] / 4));
        }
        assertThat(worst).as("the clipped change is the free change over 4").isLessThan(1e-4 * norm(f));
        // both paths of the step clip alike
        OneStep plain = oneStep("mmap", false, snapshot, max);
        assertClose("parameter", plain.after(), clipped.after());
        assertThat(plain.gradNorm()).isCloseTo(gradientNorm, offset(gradientNorm * 1e-4));
        assertThat(plain.clipped()).isTrue();
        // a norm above the gradient's changes nothing
        OneStep loose = oneStep("mmap", true, snapshot, gradientNorm * 2);
        assertClose("parameter", free.after(), loose.after());
        assertThat(loose.clipped()).isFalse();
        assertThat(loose.gradNorm()).isCloseTo(gradientNorm, offset(gradientNorm * 1e-4));
        if (snapshot) {
            assertThat(clipped.snapshot().keySet()).containsExactlyElementsOf(TASKS);
            clipped.snapshot().forEach((task, g) -> assertThat(g).as("%s's snapshot, as it came", task)
                    .containsExactly(free.snapshot().get(task)));
        }
    }

    @ParameterizedTest(name = "optimised step: {0}")
    @ValueSource(booleans = {false, true})
    void aStepWithoutBatchesMovesNothingAndMeasuresNoGradientOnEitherPath(boolean optimised) {
        GradMode.offOnThisThread();
        ClipTokenizer tokenizer = ClipTokenizer.bundled();
        try (ClipModel clip = ClipModel.load(ClipWeights.read(weights), Device.cpu());
             PromptMethod method = method("mmap", clip, tokenizer);
             PromptedClip model = new PromptedClip(clip, method, tokenizer, CLASSES, optimised);
             Sgd sgd = new Sgd(0.9, 5e-4, clip.device());
             NDManager scope = NDManager.newBaseManager(clip.device())) {
            Map<String, Tensor> before = method.parameters().toTensors();
            for (boolean snapshot : new boolean[] {false, true}) {
                TrainStep.Outcome outcome = new TrainStep(model, sgd, optimised, 1.0).run(scope, List.of(), 0.5,
                        snapshot, 0);
                assertThat(outcome.taskLosses()).isEmpty();
                assertThat(outcome.snapshotGradients()).isEmpty();
                assertThat(outcome.gradNorm()).as("snapshot %s: no gradient, no norm", snapshot).isNull();
                assertThat(outcome.clipped()).isNull();
            }
            assertClose("parameter", before, method.parameters().toTensors());
            assertThat(sgd.state()).as("no momentum buffer made").isEmpty();
        }
    }

    private static void assertClose(String what, Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (String name : expected.keySet()) {
            float[] e = expected.get(name).toFloats();
            float[] a = actual.get(name).toFloats();
            double scale = 1e-3;
            double worst = 0;
            for (int i = 0; i < e.length; i++) {
                scale = Math.max(scale, Math.abs(e[i]));
                worst = Math.max(worst, Math.abs(a[i] - e[i]));
            }
            // float32 sums in another order differ by up to ~1e-4 of the tensor's scale here (the fused attention's
            // online softmax runs over key blocks that depend on the text's length: 77 tokens or cut at end-of-text);
            // a lost or doubled task is O(1)
            assertThat(worst).as("%s %s: max |fused - per task| (max |per task| %s)", what, name, scale).isLessThan(1e-5 * Math.max(1, scale));
            assertThat(worst / scale).as("%s %s: max |fused - per task| %s / max |per task| %s", what, name, worst, scale)
                    .isLessThan(3e-4);
        }
    }
}
