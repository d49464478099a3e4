package org.mmapmtl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** What every benchmark does with its numbers: medians, and a pretty JSON file. */
final class BenchResults {
    private BenchResults() {
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
