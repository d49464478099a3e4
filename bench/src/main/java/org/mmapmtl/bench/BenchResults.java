package org.mmapmtl.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mmapmtl.clip.ClipConfig;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.GemmCeiling;
import org.mmapmtl.clip.Precision;

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
     * Fails when a timed step left more arrays on the bench's long-lived manager than the step before it: what a step
     * makes belongs to the step's own manager, or memory and times would grow with the steps they measure.
     *
     * @param arraysLeft the count after the step before ({@code -1} before the first), updated here
     */
    static void requireNothingLeft(NDManager root, int[] arraysLeft) {
        int now = root.getManagedArrays().size();
        if (arraysLeft[0] >= 0 && now > arraysLeft[0]) {
            throw new IllegalStateException("a timed step left " + (now - arraysLeft[0])
                    + " arrays on the bench's manager: make them on the step's manager");
        }
        arraysLeft[0] = now;
    }

    /** The engine's GEMM rate in {@code precision} here, in GFLOP/s: see {@link GemmCeiling}. */
    static double gemmGflops(Device device, Precision precision) {
        return GemmCeiling.gflops(device, precision);
    }

    /**
     * FLOPs of one image through the vision tower (multiply-adds counted as 2): the patch projection, the blocks as
     * {@link #imageTowerFlops} counts them (per block and token 24·w² for the four projections and the MLP, 4·L²·w for
     * scores and mixing over L tokens; the last block on the class token), and the projection to the embedding.
     */
    static double visionForwardFlops(ClipConfig config, int promptTokens) {
        var v = config.vision();
        long w = v.width();
        long patches = (long) v.grid() * v.grid();
        long tokens = patches + 1 + promptTokens;
        double flops = 2.0 * patches * 3 * v.patchSize() * v.patchSize() * w;
        flops += imageTowerFlops(w, v.layers(), tokens, 1, false);
        flops += 2.0 * w * config.embedDim();
        return flops;
    }

    /**
     * {@link #towerFlops} for the image tower, whose last block computes the class token's row only: every token's
     * q, k and v projection (6·L·w², the q rows unused), then for one row the output projection and the MLP (18·w²)
     * and its scores and mixing over the L tokens (4·L·w); backward, as in {@link #towerFlops}.
     */
    static double imageTowerFlops(long width, int layers, long tokens, long images, boolean backward) {
        double projections = 6.0 * tokens * width * width + 18.0 * width * width;
        double attention = 4.0 * tokens * width;
        return towerFlops(width, layers - 1, tokens, images, backward)
                + images * (backward ? projections + 2 * attention : projections + attention);
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
