package org.mmapmtl.experiment;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A method by name, as experiments and the CLI spell it: a family and how its parameters are shared among tasks.
 * {@code -mt} shares one set across all tasks, {@code -st} trains one per task, and the MmAP family without suffix is
 * the paper's framework (a group-shared set per group of a partition plus a task-specific set per task). Baselines
 * without suffix are single-task, as the paper's tables name them; BitFit and full fine-tuning change CLIP itself,
 * so one model holds one set: their single-task results come from one run per task (a run with a single task).
 *
 * @param promptLength tokens per layer (b for the MmAP family, context length for CoOp, n_ctx for MaPLe); 0 = default
 * @param depth        prompted layers (K); 0 = the family's default
 * @param sourcePerLayer MmAP only: one source prompt Ps per prompted layer (true, the paper's framework section:
 *                     "P_G = {P_G^k}, k = 1..K") or one Ps for all K layers with per-layer factors (false, the reading
 *                     of its parameter count "mn + K(dl+dv)/mn")
 */
public record MethodSpec(Family family, Sharing sharing, int promptLength, int depth, int m, int n,
                         boolean sourcePerLayer) {

    public enum Sharing { SHARED, PER_TASK, GROUPED }

    public enum Family {
        ZERO_SHOT("zero-shot"), COOP("coop"), VPT("vpt"), MAPLE("maple"), CLIP_ADAPTER("clip-adapter"),
        BITFIT("bitfit"), FULL_FT("full-ft"), MMAP("mmap"), MMAP_JOINT("mmap-joint"), MMAP_MLP("mmap-mlp");

        private final String label;

        Family(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        boolean groupable() {
            return this == MMAP || this == MMAP_JOINT || this == MMAP_MLP;
        }

        /** Whether the method trains CLIP's own weights, and so has one model for all its tasks. */
        public boolean changesClip() {
            return this == BITFIT || this == FULL_FT;
        }
    }

    /** Every name {@link #parse} accepts, for help texts and error messages. */
    public static List<String> names() {
        return Arrays.stream(Family.values()).flatMap(f -> switch (f) {
            case ZERO_SHOT, BITFIT, FULL_FT -> List.of(f.label).stream();
            case MMAP, MMAP_JOINT, MMAP_MLP -> List.of(f.label, f.label + "-mt", f.label + "-st").stream();
            default -> List.of(f.label, f.label + "-mt").stream();
        }).toList();
    }

    public MethodSpec {
        if (promptLength < 0 || depth < 0 || m < 0 || n < 0) {
            throw new IllegalArgumentException("prompt length, depth, m and n must not be negative (0 = default)");
        }
        if (sharing == Sharing.GROUPED && !family.groupable()) {
            throw new IllegalArgumentException(family.label + " has no group-shared variant; grouping is for the MmAP family");
        }
        if (family.changesClip() && sharing != Sharing.SHARED) {
            throw new IllegalArgumentException(family.label + " changes CLIP's own weights, so one run trains one set: "
                    + "name it without a suffix and run it once per task for single-task results");
        }
    }

    public static MethodSpec parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        Sharing sharing = null;
        if (n.endsWith("-mt")) {
            sharing = Sharing.SHARED;
            n = n.substring(0, n.length() - 3);
        } else if (n.endsWith("-st")) {
            sharing = Sharing.PER_TASK;
            n = n.substring(0, n.length() - 3);
        }
        for (Family f : Family.values()) {
            if (f.label.equals(n)) {
                if (sharing == null) {
                    sharing = f.groupable() ? Sharing.GROUPED : f.changesClip() || f == Family.ZERO_SHOT ? Sharing.SHARED : Sharing.PER_TASK;
                }
                MethodSpec spec = new MethodSpec(f, sharing, 0, 0, 0, 0, true);
                if (!names().contains(name.trim().toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("unknown method '" + name + "': use one of " + names());
                }
                return spec;
            }
        }
        throw new IllegalArgumentException("unknown method '" + name + "': use one of " + names());
    }

    public MethodSpec withPromptLength(int b) {
        return new MethodSpec(family, sharing, b, depth, m, n, sourcePerLayer);
    }

    public MethodSpec withDepth(int k) {
        return new MethodSpec(family, sharing, promptLength, k, m, n, sourcePerLayer);
    }

    public MethodSpec withFactors(int m, int n) {
        return new MethodSpec(family, sharing, promptLength, depth, m, n, sourcePerLayer);
    }

    public MethodSpec withSourcePerLayer(boolean perLayer) {
        return new MethodSpec(family, sharing, promptLength, depth, m, n, perLayer);
    }

    /** The name this spec parses from. */
    public String name() {
        return switch (sharing) {
            case SHARED -> family.changesClip() || family == Family.ZERO_SHOT ? family.label : family.label + "-mt";
            case PER_TASK -> family.groupable() ? family.label + "-st" : family.label;
            case GROUPED -> family.label;
        };
    }
}
