package org.mmapmtl.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mmapmtl.clip.ClipArchitecture;
import org.mmapmtl.clip.Precision;
import org.mmapmtl.clip.ClipConfig;
import org.mmapmtl.experiment.MethodSpec;
import org.mmapmtl.prompt.PromptMethod;
import org.mmapmtl.train.Sgd;
import org.mmapmtl.train.TrainStep;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Milliseconds per training step of one method on {@code tasks} tasks, a batch of {@code batch} images each (random
 * CLIP weights of the architecture, random pixels and labels, so decoding is not measured: `bench data` does that):
 * the paper's multi-task step exactly as {@link TrainStep} takes it inside the trainer: forward over the batches and
 * every class's text, cross-entropy, backward, SGD with momentum and weight decay; with {@code snapshot} the step
 * that also keeps each task's gradient (one backward per task), with {@code perTask} the straightforward step that
 * the fused one must equal. bench/pytorch_train_step.py takes the same step in PyTorch eager.
 */
public final class TrainStepBench {
    private TrainStepBench() {
    }

    /**
     * The matrix work one step has to do, by tower (GEMM-shaped work only: LayerNorm, softmax, GELU and copies are
     * what the rest of the time goes to). The text tower runs once per distinct prompt set over every class, at the
     * positions the model keeps (cut at end-of-text); its backward only when a parameter reaches the text, the
     * vision tower's only when one reaches the image (CoOp's gradient never enters it). Methods that train CLIP's own
     * weights also compute weight gradients, which are not counted. A snapshot step shares a prompt set's text forward
     * and takes a text backward per task; the straightforward per-task step a text forward and backward per task.
     */
    record Flops(double visionForward, double visionBackward, double textForward, double textBackward) {
        double total() {
            return visionForward + visionBackward + textForward + textBackward;
        }

        static Flops of(ClipConfig c, PromptMethod method, int tasks, int batch,
                        int classes, int textLength, boolean snapshot, boolean perTask) {
            var v = c.vision();
            long visionTokens = (long) v.grid() * v.grid() + 1 + method.visionTokens(0);
            long images = (long) tasks * batch;
            double patches = 2.0 * v.grid() * v.grid() * 3 * v.patchSize() * v.patchSize() * v.width() * images;
            boolean changesClip = method.spec().family().changesClip();
            boolean visionGrad = method.visionTokens(0) > 0 || changesClip;
            double vf = patches + BenchResults.imageTowerFlops(v.width(), v.layers(), visionTokens, images, false);
            double vb = visionGrad ? BenchResults.imageTowerFlops(v.width(), v.layers(), visionTokens, images, true) : 0;
            boolean textGrad = method.textTrainable();
            long sets = method.spec().sharing() != MethodSpec.Sharing.SHARED ? tasks : 1;
            // a snapshot step shares a prompt set's text forward and takes a text backward per task
            long textForwards = !textGrad ? 0 : perTask ? tasks : sets;
            long textBackwards = !textGrad ? 0 : perTask || snapshot ? tasks : sets;
            var t = c.text();
            double tf = BenchResults.towerFlops(t.width(), t.layers(), textLength, classes * textForwards, false);
            double tb = BenchResults.towerFlops(t.width(), t.layers(), textLength, classes * textBackwards, true);
            return new Flops(vf, vb, textGrad ? tf : 0, textGrad ? tb : 0);
        }
    }

    /**
     * What one bench run times: {@code tasks} tasks of {@code batch} images over {@code classes} classes, {@code
     * iterations} timed steps after a warm-up one; the step fused (one forward, one backward), the snapshot step
     * ({@code snapshot}: each task's gradient kept) or the straightforward per-task step ({@code perTask}); CLIP's block
     * products in {@code precision}; each update's gradient clipped to {@code maxGradNorm} as a recipe's {@code
     * maxGradNorm} asks (null: not); with a {@code profile} path, one more step under libtorch's profiler, its trace
     * written there and the ops with the most self time printed and kept in the result.
     */
    public record Setup(ClipArchitecture arch, String method, int batch, int classes, int tasks, boolean snapshot,
                        boolean perTask, int iterations, Device device, Precision precision, Double maxGradNorm,
                        Path profile) {
    }

    public static ObjectNode run(Setup setup, Path out, PrintStream log) throws IOException {
        ObjectNode result;
        try (BenchModel m = BenchModel.create(setup.arch(), setup.method(), setup.classes(), setup.tasks(),
                setup.device(), setup.precision())) {
            if (m.method.parameters().isEmpty()) {
                throw new IllegalArgumentException(setup.method() + " has nothing to train; pick a trainable method");
            }
            Timed timed = time(setup, m);
            double gemm = BenchResults.gemmGflops(setup.device(), setup.precision());
            Flops flops = Flops.of(setup.arch().config(), m.method, setup.tasks(), setup.batch(), setup.classes(),
                    m.model.textLength(), setup.snapshot(), setup.perTask());
            result = describe(setup, m, timed, flops, gemm);
            print(setup, m, timed, flops, gemm, log);
        }
        BenchResults.write(result, out, log);
        return result;
    }

    /** The timed steps: their median, resident memory after each, and the profiled step's ops (empty unasked). */
    private record Timed(double medianMs, List<Long> residentMiB, List<OpProfile.Op> ops) {
    }

    private static Timed time(Setup setup, BenchModel m) throws IOException {
        try (Sgd sgd = new Sgd(0.9, 5e-4, setup.device());
             NDManager root = NDManager.newBaseManager(setup.device())) {
            TrainStep step = new TrainStep(m.model, sgd, !setup.perTask(), setup.maxGradNorm());
            int r = setup.arch().config().vision().resolution();
            // drawn once, outside the timing: a step's inputs come from the data pipeline, which `bench data` times.
            // Each step lends them to its own manager, since the model makes its arrays on the pixels' manager.
            List<TrainStep.TaskBatch> batches = new ArrayList<>();
            for (int t = 0; t < setup.tasks(); t++) {
                batches.add(new TrainStep.TaskBatch(t, root.randomNormal(new Shape(setup.batch(), 3, r, r)),
                        root.randomInteger(0, setup.classes(), new Shape(setup.batch()), DataType.INT64)));
            }
            long[] counter = {0};
            int[] arraysLeft = {-1};
            Runnable oneStep = () -> {
                try (NDManager scope = root.newSubManager()) {
                    for (TrainStep.TaskBatch b : batches) {
                        b.pixels().tempAttach(scope);
                        b.labels().tempAttach(scope);
                    }
                    step.run(scope, batches, 0.0035, setup.snapshot(), counter[0]++);
                }
                BenchResults.requireNothingLeft(root, arraysLeft);
            };
            List<Long> resident = new ArrayList<>();
            double[] ms = BenchResults.time(setup.iterations(), () -> {
                oneStep.run();
                resident.add(BenchResults.residentMiB());
            });
            List<OpProfile.Op> ops = setup.profile() == null ? List.of() : OpProfile.of(oneStep, setup.profile());
            return new Timed(BenchResults.median(ms), resident, ops);
        }
    }

    private static String stepKind(Setup setup, BenchModel m) {
        if (setup.perTask()) {
            return "per-task forward and backward";
        }
        if (setup.snapshot()) {
            return m.method.textTrainable()
                    ? "snapshot: one text forward per prompt set, per-task image forward and backward"
                    : "snapshot: the class text features fixed, per-task image forward and backward";
        }
        return "fused: one forward, one backward";
    }

    private static ObjectNode describe(Setup setup, BenchModel m, Timed timed, Flops flops, double gemm) {
        double achieved = achievedGflops(flops, timed);
        ObjectNode result = new ObjectMapper().createObjectNode();
        BenchResults.djlHeader(result, "train-step", setup.arch().label(), setup.device(), setup.batch(),
                setup.iterations());
        result.put("method", m.spec.name());
        result.put("precision", setup.precision().label());
        if (setup.maxGradNorm() != null) {
            result.put("maxGradNorm", setup.maxGradNorm());
        }
        result.put("trainableParameters", m.method.parameters().count());
        result.put("classes", setup.classes());
        result.put("tasks", setup.tasks());
        result.put("snapshot", setup.snapshot());
        result.put("step", stepKind(setup, m));
        result.put("textPositions", m.model.textLength());
        result.put("stepMs", timed.medianMs());
        result.put("imagesPerSecond", imagesPerSecond(setup, timed));
        result.put("gemmGflops", gemm);
        ObjectNode f = result.putObject("gflopPerStep");
        f.put("visionForward", flops.visionForward() / 1e9);
        f.put("visionBackward", flops.visionBackward() / 1e9);
        f.put("textForward", flops.textForward() / 1e9);
        f.put("textBackward", flops.textBackward() / 1e9);
        f.put("total", flops.total() / 1e9);
        result.put("achievedGflops", achieved);
        result.put("fractionOfGemm", achieved / gemm);
        var rss = result.putArray("residentMiBAfterEachStep");
        timed.residentMiB().forEach(rss::add);
        result.put("peakResidentMiB", BenchResults.peakResidentMiB());
        if (setup.profile() != null) {
            ArrayNode top = result.putArray("profileTopOps");
            for (OpProfile.Op op : topOps(timed)) {
                top.addObject().put("op", op.name()).put("calls", op.calls()).put("selfMs", op.selfMs())
                        .put("share", op.share());
            }
        }
        return result;
    }

    private static void print(Setup setup, BenchModel m, Timed timed, Flops flops, double gemm, PrintStream log) {
        double achieved = achievedGflops(flops, timed);
        log.printf("%s %s %s %d task(s) × batch %d, %d classes%s%s%s: %.0f ms/step, %.2f images/s, "
                        + "resident MiB after each step %s, peak %d%n",
                setup.arch().label(), m.spec.name(), setup.device(), setup.tasks(), setup.batch(), setup.classes(),
                setup.snapshot() ? ", snapshot step" : "", setup.perTask() ? ", per-task step" : "",
                setup.maxGradNorm() == null ? "" : ", gradients clipped to " + setup.maxGradNorm(),
                timed.medianMs(), imagesPerSecond(setup, timed), timed.residentMiB(), BenchResults.peakResidentMiB());
        log.printf("  matrix work per step: vision %.1f forward + %.1f backward, text %.1f forward + %.1f backward = "
                        + "%.1f GFLOP; %.0f GFLOP/s = %.0f %% of this engine's %s GEMM rate (%.0f GFLOP/s)%n",
                flops.visionForward() / 1e9, flops.visionBackward() / 1e9, flops.textForward() / 1e9,
                flops.textBackward() / 1e9, flops.total() / 1e9, achieved, 100 * achieved / gemm,
                setup.precision().label(), gemm);
        if (setup.profile() != null) {
            log.printf("  libtorch profiler, one step (trace: %s), ops by self time:%n", setup.profile());
            for (OpProfile.Op op : topOps(timed)) {
                log.printf("    %-40s %6d calls %9.1f ms %5.1f %%%n", op.name(), op.calls(), op.selfMs(),
                        100 * op.share());
            }
        }
    }

    private static List<OpProfile.Op> topOps(Timed timed) {
        return timed.ops().subList(0, Math.min(15, timed.ops().size()));
    }

    private static double achievedGflops(Flops flops, Timed timed) {
        return flops.total() / (timed.medianMs() / 1e3) / 1e9;
    }

    private static double imagesPerSecond(Setup setup, Timed timed) {
        return (double) setup.batch() * setup.tasks() * 1000.0 / timed.medianMs();
    }
}
