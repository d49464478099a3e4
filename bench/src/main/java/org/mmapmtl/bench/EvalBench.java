package org.mmapmtl.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mmapmtl.clip.ClipArchitecture;
import org.mmapmtl.clip.Precision;
import org.mmapmtl.eval.Evaluator;
import org.mmapmtl.train.GradMode;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Images per second of evaluation: one batch of preprocessed test images through a prompted CLIP, scored against every
 * class, without gradients, as {@link Evaluator} does (random weights of the architecture and random pixels; decoding
 * is `bench data`'s, and the evaluator keeps preprocessed images in its cache).
 */
public final class EvalBench {
    private EvalBench() {
    }

    public static ObjectNode run(ClipArchitecture arch, String methodName, int batch, int classes, int iterations,
                                 Device device, Path out, PrintStream log) throws IOException {
        return run(arch, methodName, batch, classes, iterations, device, Precision.FP32, out, log);
    }

    /** As {@link #run(ClipArchitecture, String, int, int, int, Device, Path, PrintStream)}, CLIP's block products in {@code precision}. */
    public static ObjectNode run(ClipArchitecture arch, String methodName, int batch, int classes, int iterations,
                                 Device device, Precision precision, Path out, PrintStream log) throws IOException {
        ObjectNode result = new ObjectMapper().createObjectNode();
        GradMode.offOnThisThread();
        try (BenchModel m = BenchModel.create(arch, methodName, classes, 1, device, precision);
             NDManager root = NDManager.newBaseManager(device)) {
            int r = arch.config().vision().resolution();
            // as the Evaluator does: the class text features once per task, then only images per batch
            m.method.parameters().bind(root);
            NDArray text = m.model.textFeatures(0, root);
            // drawn once, outside the timing, and lent to each batch's manager: the model makes its arrays there
            NDArray pixels = root.randomNormal(new Shape(batch, 3, r, r));
            int[] arraysLeft = {-1};
            double[] ms = BenchResults.time(iterations, () -> {
                try (NDManager scope = root.newSubManager()) {
                    m.method.parameters().bind(scope);
                    pixels.tempAttach(scope);
                    m.model.logits(0, pixels, text).argMax(1).toLongArray();
                }
                BenchResults.requireNothingLeft(root, arraysLeft);
            });
            double median = BenchResults.median(ms);
            double gemm = BenchResults.gemmGflops(device, precision);
            double flops = BenchResults.visionForwardFlops(arch.config(), m.method.visionTokens(0));
            double imagesPerSecond = batch * 1000.0 / median;
            double achieved = flops * imagesPerSecond / 1e9;
            BenchResults.djlHeader(result, "eval", arch.label(), device, batch, iterations);
            result.put("method", m.spec.name());
            result.put("precision", precision.label());
            result.put("classes", classes);
            result.put("batchMs", median);
            result.put("imagesPerSecond", imagesPerSecond);
            result.put("visionGflopPerImage", flops / 1e9);
            result.put("achievedGflops", achieved);
            result.put("gemmGflops", gemm);
            result.put("fractionOfGemm", achieved / gemm);
            log.printf("%s %s %s batch %d, %d classes: %.0f ms/batch, %.1f images/s; %.1f GFLOP/image, %.0f GFLOP/s "
                            + "= %.0f %% of this engine's %s GEMM rate (%.0f GFLOP/s)%n", arch.label(), m.spec.name(),
                    device, batch, classes, median, imagesPerSecond, flops / 1e9, achieved, 100 * achieved / gemm, precision.label(), gemm);
        }
        BenchResults.write(result, out, log);
        return result;
    }
}
