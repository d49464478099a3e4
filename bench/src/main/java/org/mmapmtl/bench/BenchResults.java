package org.mmapmtl.bench;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

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

    /** Resident memory of this process in MiB (Linux), or -1 where /proc is not there. */
    static long residentMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
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
