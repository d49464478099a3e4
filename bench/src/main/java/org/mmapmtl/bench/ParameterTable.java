package org.mmapmtl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mmapmtl.clip.ClipArchitecture;
import org.mmapmtl.experiment.MethodSpec;
import org.mmapmtl.prompt.ParameterSpec;
import org.mmapmtl.prompt.PromptMethod;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trainable parameters of every method for four tasks (Office-Home's domains), counted from the shapes alone, next to
 * the numbers of the paper's Table 1 (and Table 4's MLP ablation). The MmAP framework is counted with three groups (Art + Real World, Clipart,
 * Product): 3 group-shared + 4 task-specific MmAPs.
 */
public final class ParameterTable {
    static final List<String> TASKS = List.of("Art", "Clipart", "Product", "Real_World");
    static final List<List<String>> GROUPS = List.of(List.of("Art", "Real_World"), List.of("Clipart"), List.of("Product"));

    /** The paper's Table 1 (ViT-B/16), in millions; null where the paper lists none. */
    static final Map<String, Double> PAPER = new LinkedHashMap<>();

    static {
        PAPER.put("zero-shot", 0.0);
        PAPER.put("coop", 0.04);
        PAPER.put("coop-mt", 0.01);
        PAPER.put("vpt", 0.68);
        PAPER.put("vpt-mt", 0.17);
        PAPER.put("maple", 19.2);
        PAPER.put("maple-mt", 4.8);
        PAPER.put("clip-adapter", 0.53);
        PAPER.put("clip-adapter-mt", null);
        PAPER.put("bitfit", 0.17);
        PAPER.put("full-ft", 149.62);
        PAPER.put("mmap", 0.13);
        PAPER.put("mmap-mt", null);
        PAPER.put("mmap-st", null);
        PAPER.put("mmap-joint", null);
        PAPER.put("mmap-mlp", 3.96); // Table 4, "MLP-generated prompts"
    }

    private ParameterTable() {
    }

    public static void run(ClipArchitecture arch, Path out, PrintStream log) throws IOException {
        ObjectNode result = new ObjectMapper().createObjectNode();
        result.put("arch", arch.label());
        result.putPOJO("tasks", TASKS);
        result.putPOJO("groups", GROUPS);
        ArrayNode rows = result.putArray("methods");
        log.printf("%-16s %14s %10s %12s %8s%n", "method", "parameters", "millions", "paper (M)", "ours/pap");
        for (String name : PAPER.keySet()) {
            long count = PromptMethod.layout(MethodSpec.parse(name), arch.config(), TASKS, GROUPS).stream()
                    .mapToLong(ParameterSpec::count).sum();
            Double paper = PAPER.get(name);
            log.printf("%-16s %,14d %10.3f %12s %8s%n", name, count, count / 1e6, paper == null ? "-" : paper.toString(),
                    paper == null || paper == 0 ? "" : String.format(java.util.Locale.ROOT, "%.3f", count / 1e6 / paper));
            ObjectNode row = rows.addObject();
            row.put("method", name);
            row.put("parameters", count);
            if (paper != null) {
                row.put("paperMillions", paper);
                if (paper > 0) {
                    row.put("ratioToPaper", count / 1e6 / paper);
                }
            }
        }
        BenchResults.write(result, out, log);
    }
}
