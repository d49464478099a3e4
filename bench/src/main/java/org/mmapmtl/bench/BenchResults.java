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

    static void write(ObjectNode result, Path out, PrintStream log) throws IOException {
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.toFile(), result);
        log.println("written to " + out);
    }
}
