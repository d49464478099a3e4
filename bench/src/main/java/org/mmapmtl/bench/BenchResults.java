package org.mmapmtl.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mmapmtl.clip.ClipConfig;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.Precision;
import org.mmapmtl.clip.ScriptModule;
import ai.djl.ndarray.NDList;
import org.mmapmtl.train.GradMode;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;

/** What every benchmark does with its numbers: medians, and a pretty JSON file. */
final class BenchResults {
    private BenchResults() {
    }

    /** The fields every DJL model benchmark starts its result with: what ran, where, when, on how much. */
    static void djlHeader(ObjectNode result, String benchmark, String arch, Object device, int batch, int iterations) {
        result.put("benchmark", benchmark);
        result.put("implementation", "djl " + Engine.getInstance().getEngineName() + " "
                + Engine.getInstance().getVersion());
        result.put("when", Instant.now().toString());
        result.put("arch", arch);
        result.put("device", device.toString());
        result.put("threads", Runtime.getRuntime().availableProcessors());
        result.put("attention", ClipModel.attention());
        result.put("batch", batch);
        result.put("iterations", iterations);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /** One warm-up run, then {@code iterations} timed ones, in milliseconds. */
    static double[] time(int iterations, Runnable work) {
        work.run();
        double[] ms = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long t0 = System.nanoTime();
            work.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return ms;
    }

    /**
     * The float32 GEMM rate the engine reaches here (2048³ matmul, the fastest of 8 after a warm-up), in GFLOP/s: the
     * ceiling a model's GEMM-bound work is measured against. The fastest, not the median: a ceiling, and a median of a
     * few runs moved by a third between two runs of one command on a shared machine.
     */
    static double gemmGflops(Device device, Precision precision) {
        return precision == Precision.BF16 ? bf16GemmGflops(device) : gemmGflops(device);
    }

    /**
     * As {@link #gemmGflops(Device)} with both operands in bfloat16 (converted once) and the product's result back in
     * float32, as {@link Precision#BF16}'s products are: the ceiling of a bf16 step. TorchScript does the bfloat16 work,
     * which DJL cannot name.
     */
    static double bf16GemmGflops(Device device) {
        GradMode.offOnThisThread();
        try (ScriptModule convert = ScriptModule.compile("Bf16Copy", """
                def forward(self: __torch__.Bf16Copy,
                  x: Tensor) -> Tensor:
                  return torch.contiguous(torch.to(x, 15))
                """);
             ScriptModule product = ScriptModule.compile("Bf16Product", """
                def forward(self: __torch__.Bf16Product,
                  a: Tensor,
                  b: Tensor) -> Tensor:
                  return torch.to(torch.matmul(a, b), 6)
                """);
             NDManager m = NDManager.newBaseManager(device)) {
            NDArray a = convert.forward(new NDList(m.randomNormal(new Shape(2048, 2048)))).singletonOrThrow();
            NDArray b = convert.forward(new NDList(m.randomNormal(new Shape(2048, 2048)))).singletonOrThrow();
            double[] ms = time(8, () -> {
                try (NDArray c = product.forward(new NDList(a, b)).singletonOrThrow()) {
                    c.getFloat(0, 0);
                }
            });
            return 2.0 * 2048 * 2048 * 2048 / (Arrays.stream(ms).min().orElseThrow() / 1e3) / 1e9;
        } catch (IOException | ai.djl.MalformedModelException e) {
            throw new IllegalStateException("the bf16 GEMM probe cannot be compiled: " + e, e);
        }
    }

    static double gemmGflops(Device device) {
        GradMode.offOnThisThread();
        try (NDManager m = NDManager.newBaseManager(device)) {
            NDArray a = m.randomNormal(new Shape(2048, 2048));
            NDArray b = m.randomNormal(new Shape(2048, 2048));
            double[] ms = time(8, () -> {
                try (NDArray c = a.matMul(b)) {
                    c.getFloat(0, 0); // waits for the result on devices that run asynchronously
                }
            });
            return 2.0 * 2048 * 2048 * 2048 / (Arrays.stream(ms).min().orElseThrow() / 1e3) / 1e9;
        }
    }

    /**
     * FLOPs of one image through the vision tower (multiply-adds counted as 2): the patch projection, and per block
     * the four attention projections and the MLP (12·w² per token) plus scores and mixing (2·L²·w), over L tokens.
     */
    static double visionForwardFlops(ClipConfig config, int promptTokens) {
        var v = config.vision();
        long w = v.width();
        long patches = (long) v.grid() * v.grid();
        long tokens = patches + 1 + promptTokens;
        double flops = 2.0 * patches * 3 * v.patchSize() * v.patchSize() * w;
        flops += towerFlops(w, v.layers(), tokens, 1, false);
        flops += 2.0 * w * config.embedDim();
        return flops;
    }

    /**
     * FLOPs of one transformer tower's blocks over {@code sequences} sequences of {@code tokens} tokens (multiply-adds
     * counted as 2): per block and token the four attention projections and the MLP, 24·w², and per block the scores
     * and the mixing, 4·L²·w. With {@code backward}, the gradient of the activations only, as a frozen CLIP needs:
     * each projection once more (dX = dY·Wᵀ, no weight gradient), the scores and the mixing twice (both their inputs
     * are activations).
     */
    static double towerFlops(long width, int layers, long tokens, long sequences, boolean backward) {
        double projections = 24.0 * tokens * width * width;
        double attention = 4.0 * tokens * tokens * width;
        return sequences * layers * (backward ? projections + 2 * attention : projections + attention);
    }

    /** Resident memory of this process in MiB (Linux), or -1 where /proc is not there. */
    static long residentMiB() {
        return status("VmRSS:");
    }

    /** The most resident memory this process has held so far, in MiB (Linux), or -1. */
    static long peakResidentMiB() {
        return status("VmHWM:");
    }

    private static long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    static void write(ObjectNode result, Path out, PrintStream log) throws IOException {
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.toFile(), result);
        log.println("written to " + out);
    }
}
