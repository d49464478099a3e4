package org.mmapmtl.experiment;


import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A method as an experiment names it: any prompt method ({@link MethodSpec#names()}), or one of the framework's
 * variants for the MmAP family ({@code mmap}, {@code mmap-joint}, {@code mmap-mlp}):
 * <ul>
 *   <li>{@code mmap}: the paper's framework: the partition decided from phase 1's gradients, per group a run with a
 *       group-shared prompt and a task-specific prompt per task;</li>
 *   <li>{@code mmap-random}: the same, on a random partition with the decided group sizes (Table 3, random grouping);</li>
 *   <li>{@code mmap-all-in-one}: every task in one group, group-shared plus task-specific prompts (Table 3);</li>
 *   <li>{@code mmap-group-only}: the decided groups with a group-shared prompt only (Table 3);</li>
 *   <li>{@code mmap-st}: task-specific prompts only; {@code mmap-mt}: one prompt shared by every task.</li>
 * </ul>
 * and, for the methods that change CLIP itself (whose only method is one model for every task),
 * {@code full-ft-st} and {@code bitfit-st}: one run per task, each its own fine-tuned CLIP, assembled into one row
 * (Table 1's single-task full fine-tuning).
 */
public record Variant(String name, MethodSpec method, Kind kind) {

    public enum Kind {
        /** one run over every task with the method as named */
        PLAIN(""),
        /** per group of the decided partition: group-shared + task-specific */
        GROUPED(""),
        RANDOM("-random"),
        ALL_IN_ONE("-all-in-one"),
        GROUP_ONLY("-group-only"),
        /** one run per task, each on its own: single-task training of a method that has no per-task parameters */
        EACH_TASK("-st");

        private final String suffix;

        Kind(String suffix) {
            this.suffix = suffix;
        }
    }

    /** Every name {@link #parse} accepts. */
    public static List<String> names() {
        List<String> names = new ArrayList<>(MethodSpec.names());
        for (String family : List.of("mmap", "mmap-joint", "mmap-mlp")) {
            for (Kind k : List.of(Kind.RANDOM, Kind.ALL_IN_ONE, Kind.GROUP_ONLY)) {
                names.add(family + k.suffix);
            }
        }
        for (MethodSpec.Family f : MethodSpec.Family.values()) {
            if (f.changesClip()) {
                names.add(f.label() + Kind.EACH_TASK.suffix);
            }
        }
        return names;
    }

    public static Variant parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (Kind k : List.of(Kind.RANDOM, Kind.ALL_IN_ONE, Kind.GROUP_ONLY)) {
            if (n.endsWith(k.suffix)) {
                MethodSpec base = MethodSpec.parse(n.substring(0, n.length() - k.suffix.length()));
                if (base.sharing() != MethodSpec.Sharing.GROUPED) {
                    throw new IllegalArgumentException("unknown method '" + name + "': " + k.suffix.substring(1)
                            + " is a variant of the grouped MmAP family (mmap, mmap-joint, mmap-mlp)");
                }
                return new Variant(n, base, k);
            }
        }
        if (n.endsWith(Kind.EACH_TASK.suffix)) {
            String base = n.substring(0, n.length() - Kind.EACH_TASK.suffix.length());
            for (MethodSpec.Family f : MethodSpec.Family.values()) {
                if (f.changesClip() && f.label().equals(base)) {
                    return new Variant(n, MethodSpec.parse(base), Kind.EACH_TASK);
                }
            }
        }
        MethodSpec spec = MethodSpec.parse(n);
        return new Variant(n, spec, spec.sharing() == MethodSpec.Sharing.GROUPED ? Kind.GROUPED : Kind.PLAIN);
    }

    /** Whether its runs wait for the partition that phase 1 and the grouping service decide. */
    public boolean needsPartition() {
        return kind == Kind.GROUPED || kind == Kind.RANDOM || kind == Kind.GROUP_ONLY;
    }

    public boolean trains() {
        return method.family() != MethodSpec.Family.ZERO_SHOT;
    }
}
