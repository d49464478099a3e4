package org.mmapmtl.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import org.mmapmtl.clip.ClipConfig;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.experiment.MethodSpec;
import org.mmapmtl.tokenizer.ClipTokenizer;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A method for a given set of tasks: which parameter sets exist (one shared, one per task, or group-shared plus
 * task-specific), what each holds, and which of them a task's forward uses. Parameter names are
 * {@code shared/…}, {@code task/<task>/…} or {@code group/<index>/…} followed by the module's own names.
 */
public final class PromptMethod implements AutoCloseable {
    public static final String PHOTO_PREFIX = "a photo of a";
    private static final String PLACEHOLDER = "X";

    /** One task's prompt tokens per layer, as {@link PromptModule} describes them. */
    public record TaskPrompts(List<NDArray> text, List<NDArray> vision) {
    }

    private final MethodSpec spec;
    private final ClipConfig config;
    private final List<String> tasks;
    private final List<List<String>> groups;
    private final Map<String, PromptModule> modules;
    private final TrainableParameters parameters;

    private PromptMethod(MethodSpec spec, ClipConfig config, List<String> tasks, List<List<String>> groups,
                         TrainableParameters parameters) {
        this.spec = spec;
        this.config = config;
        this.tasks = List.copyOf(tasks);
        this.groups = groups == null ? List.of() : groups.stream().map(List::copyOf).toList();
        this.modules = modules(spec, config, this.tasks, this.groups);
        this.parameters = parameters;
    }

    /**
     * The trainable tensors of a method, without creating any: what {@code bench params} counts.
     *
     * @param groups the partition for the MmAP framework (ignored by other sharings)
     */
    public static List<ParameterSpec> layout(MethodSpec spec, ClipConfig config, List<String> tasks, List<List<String>> groups) {
        checkTasks(spec, tasks, groups);
        List<ParameterSpec> specs = new ArrayList<>();
        switch (spec.family()) {
            case BITFIT, FULL_FT -> ClipWeights.expectedShapes(config).forEach((name, shape) -> {
                if (!name.equals("logit_scale") && (spec.family() == MethodSpec.Family.FULL_FT || name.endsWith("bias"))) {
                    specs.add(new ParameterSpec(name, shape, new ParameterSpec.Normal(0)));
                }
            });
            default -> modules(spec, config, tasks, groups).forEach((slot, module) ->
                    module.layout().forEach(p -> specs.add(p.renamed(slot))));
        }
        return specs;
    }

    /** Creates the method's parameters (seeded), or adopts CLIP's weights for BitFit and full fine-tuning. */
    public static PromptMethod create(MethodSpec spec, ClipModel clip, ClipTokenizer tokenizer, List<String> tasks,
                                      List<List<String>> groups, long seed) {
        return create(spec, clip, tokenizer, tasks, groups, seed, null);
    }

    /**
     * As {@link #create(MethodSpec, ClipModel, ClipTokenizer, List, List, long)}, with CoOp's context starting from
     * the embeddings of {@code contextInit}'s words (CoOp's {@code CTX_INIT}) when it is not null.
     */
    public static PromptMethod create(MethodSpec spec, ClipModel clip, ClipTokenizer tokenizer, List<String> tasks,
                                      List<List<String>> groups, long seed, String contextInit) {
        checkTasks(spec, tasks, groups);
        TrainableParameters parameters = new TrainableParameters(clip.device());
        PromptMethod method = new PromptMethod(spec, clip.config(), tasks, groups, parameters);
        switch (spec.family()) {
            case BITFIT, FULL_FT -> {
                Set<String> wanted = new HashSet<>();
                layout(spec, clip.config(), tasks, groups).forEach(p -> wanted.add(p.name()));
                clip.weights().stream().filter(w -> wanted.contains(w.name())).forEach(parameters::adopt);
            }
            default -> {
                for (ParameterSpec p : layout(spec, clip.config(), tasks, groups)) {
                    if (spec.family() == MethodSpec.Family.MAPLE && p.name().endsWith("/text.0")) {
                        parameters.put(p.name(), wordEmbeddings(clip, tokenizer, PHOTO_PREFIX, p.shape()[0]), p.shape());
                    } else if (spec.family() == MethodSpec.Family.COOP && contextInit != null) {
                        parameters.put(p.name(), wordEmbeddings(clip, tokenizer, contextInit, p.shape()[0]), p.shape());
                    } else {
                        parameters.create(p, seed);
                    }
                }
            }
        }
        return method;
    }

    /**
     * The embeddings of the first {@code count} tokens of {@code words}: MaPLe's first text prompt starts from the
     * template's first words ("a photo" for two), CoOp's context from its {@code contextInit}.
     */
    private static float[] wordEmbeddings(ClipModel clip, ClipTokenizer tokenizer, String words, long count) {
        int[] ids = tokenizer.encode(words).stream().mapToInt(Integer::intValue).toArray();
        if (count > ids.length) {
            throw new IllegalArgumentException("the prompt starts from \"" + words + "\": at most " + ids.length
                    + " tokens, got " + count);
        }
        NDArray table = clip.weights().stream().filter(w -> w.name().equals("token_embedding.weight")).findFirst()
                .orElseThrow().array();
        try (NDManager tmp = NDManager.newBaseManager(clip.device())) {
            long[] picked = new long[(int) count];
            for (int i = 0; i < count; i++) {
                picked[i] = ids[i];
            }
            NDArray rows = table.get(tmp.create(picked));
            rows.attach(tmp);
            return rows.toFloatArray();
        }
    }

    private static void checkTasks(MethodSpec spec, List<String> tasks, List<List<String>> groups) {
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("a method needs at least one task");
        }
        if (new HashSet<>(tasks).size() != tasks.size()) {
            throw new IllegalArgumentException("tasks repeat: " + tasks);
        }
        if (spec.sharing() != MethodSpec.Sharing.GROUPED || spec.family() == MethodSpec.Family.ZERO_SHOT) {
            return;
        }
        if (groups == null || groups.isEmpty()) {
            throw new IllegalArgumentException(spec.name() + " trains group-shared prompts and needs a partition of the "
                    + "tasks into groups (from the grouping service or given); use " + spec.family().label()
                    + "-mt for one prompt shared by all tasks");
        }
        List<String> covered = groups.stream().flatMap(List::stream).toList();
        if (covered.size() != new HashSet<>(covered).size() || !new HashSet<>(covered).equals(new HashSet<>(tasks))) {
            throw new IllegalArgumentException("groups " + groups + " must contain every task of " + tasks + " exactly once");
        }
    }

    private static Map<String, PromptModule> modules(MethodSpec spec, ClipConfig config, List<String> tasks,
                                                     List<List<String>> groups) {
        Map<String, PromptModule> modules = new LinkedHashMap<>();
        if (spec.family() == MethodSpec.Family.ZERO_SHOT || spec.family() == MethodSpec.Family.BITFIT
                || spec.family() == MethodSpec.Family.FULL_FT) {
            return modules;
        }
        switch (spec.sharing()) {
            case SHARED -> modules.put("shared/", module(spec, config));
            case PER_TASK -> tasks.forEach(t -> modules.put("task/" + t + "/", module(spec, config)));
            case GROUPED -> {
                for (int g = 0; g < groups.size(); g++) {
                    modules.put("group/" + g + "/", module(spec, config));
                }
                tasks.forEach(t -> modules.put("task/" + t + "/", module(spec, config)));
            }
        }
        return modules;
    }

    /**
     * The spec with every default filled in for this model: the prompt length, depth (K) and, for the MmAP family,
     * m and n that the method's modules use. Checkpoints record these, so a later change of a default cannot change
     * how a checkpoint is read.
     */
    public static MethodSpec resolve(MethodSpec spec, ClipConfig c) {
        int dl = c.text().width();
        int dv = c.vision().width();
        int layers = Math.min(c.text().layers(), c.vision().layers());
        int b = spec.promptLength();
        int k = spec.depth();
        return switch (spec.family()) {
            case ZERO_SHOT, BITFIT, FULL_FT, CLIP_ADAPTER -> spec;
            case COOP -> spec.withPromptLength(or(b, CoopPrompt.DEFAULT_TOKENS));
            case VPT -> spec.withPromptLength(or(b, VisualDeepPrompt.DEFAULT_TOKENS))
                    .withDepth(depth(k, c.vision().layers(), c.vision().layers()));
            case MAPLE -> spec.withPromptLength(or(b, MaplePrompt.DEFAULT_TOKENS))
                    .withDepth(depth(k, MaplePrompt.DEFAULT_DEPTH, layers));
            case MMAP, MMAP_JOINT, MMAP_MLP -> {
                int tokens = or(b, MmapPrompt.DEFAULT_TOKENS);
                int m = spec.family() == MethodSpec.Family.MMAP ? or(spec.m(), largestDivisorUpTo(tokens, MmapPrompt.DEFAULT_M)) : 0;
                int n = spec.family() == MethodSpec.Family.MMAP_JOINT ? 0 : or(spec.n(), Math.min(MmapPrompt.DEFAULT_N, gcd(dl, dv)));
                yield spec.withPromptLength(tokens).withDepth(depth(k, MmapPrompt.DEFAULT_DEPTH, layers)).withFactors(m, n);
            }
        };
    }

    private static PromptModule module(MethodSpec spec, ClipConfig c) {
        int dl = c.text().width();
        int dv = c.vision().width();
        MethodSpec r = resolve(spec, c);
        int b = r.promptLength();
        int k = r.depth();
        return switch (spec.family()) {
            case COOP -> new CoopPrompt(b, dl);
            case VPT -> new VisualDeepPrompt(b, k, dv);
            case MAPLE -> new MaplePrompt(b, k, dl, dv);
            case CLIP_ADAPTER -> new ClipAdapter(c.embedDim(), ClipAdapter.DEFAULT_REDUCTION, ClipAdapter.DEFAULT_RATIO);
            case MMAP -> new MmapPrompt(new KroneckerPrompt(b, r.m(), r.n(), dl, dv), k, spec.sourcePerLayer());
            case MMAP_JOINT -> new JointPrompt(b, k, dl, dv);
            case MMAP_MLP -> new MlpPrompt(b, k, r.n(), MlpPrompt.DEFAULT_HIDDEN, dl, dv);
            case ZERO_SHOT, BITFIT, FULL_FT -> throw new IllegalStateException(spec.family() + " has no prompt module");
        };
    }

    /** m must divide b: the largest divisor of b not above the default (6 for b = 6 or 12, 5 for b = 10, 1 for 7). */
    private static int largestDivisorUpTo(int b, int limit) {
        for (int m = Math.min(b, limit); m > 1; m--) {
            if (b % m == 0) {
                return m;
            }
        }
        return 1;
    }

    private static int or(int value, int fallback) {
        return value > 0 ? value : fallback;
    }

    private static int depth(int requested, int fallback, int layers) {
        int k = requested > 0 ? requested : Math.min(fallback, layers);
        if (k > layers) {
            throw new IllegalArgumentException("prompt depth " + k + " exceeds the model's " + layers + " layers");
        }
        return k;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    public MethodSpec spec() {
        return spec;
    }

    public ClipConfig config() {
        return config;
    }

    public List<String> tasks() {
        return tasks;
    }

    public List<List<String>> groups() {
        return groups;
    }

    public TrainableParameters parameters() {
        return parameters;
    }

    /** Whether training changes the text features (then they are recomputed every step). */
    public boolean textTrainable() {
        return spec.family() == MethodSpec.Family.BITFIT || spec.family() == MethodSpec.Family.FULL_FT
                || modules.values().stream().anyMatch(m -> m.textTokens() > 0);
    }

    /**
     * The class-name text before the class: placeholders for learned context (CoOp, the MmAP family), where the
     * prompts overwrite them; "a photo of a" otherwise (MaPLe overwrites its first words).
     */
    public String textPrefix() {
        if (spec.family() == MethodSpec.Family.MAPLE) {
            return PHOTO_PREFIX;
        }
        int tokens = textTokens(0);
        return tokens == 0 ? PHOTO_PREFIX : String.join(" ", java.util.Collections.nCopies(tokens, PLACEHOLDER));
    }

    /** Text prompt tokens a task's forward uses per layer (the same for every task of a method). */
    public int textTokens(int task) {
        return slots(task).stream().mapToInt(s -> modules.get(s).textTokens()).sum();
    }

    /** Visual prompt tokens a task's forward inserts after the class token (the same for every task of a method). */
    public int visionTokens(int task) {
        return slots(task).stream().mapToInt(s -> modules.get(s).visionTokens()).sum();
    }

    /** The parameter-set prefixes a task uses, group-shared before task-specific. */
    public List<String> slots(int task) {
        String name = tasks.get(task);
        if (modules.isEmpty()) {
            return List.of();
        }
        return switch (spec.sharing()) {
            case SHARED -> List.of("shared/");
            case PER_TASK -> List.of("task/" + name + "/");
            case GROUPED -> {
                int g = 0;
                while (!groups.get(g).contains(name)) {
                    g++;
                }
                yield List.of("group/" + g + "/", "task/" + name + "/");
            }
        };
    }

    /**
     * Names of the parameters shared by several tasks (all of a multi-task method's, the group-shared ones of the
     * framework): the gradients compared for task grouping.
     */
    public List<String> sharedParameterNames() {
        return parameters.names().stream().filter(n -> !n.startsWith("task/")).toList();
    }

    /** The task's prompt tokens per layer; computed from parameters bound to the caller's step. */
    public TaskPrompts prompts(int task) {
        List<String> slots = slots(task);
        List<List<NDArray>> text = new ArrayList<>();
        List<List<NDArray>> vision = new ArrayList<>();
        for (String slot : slots) {
            PromptModule module = modules.get(slot);
            text.add(module.text(name -> parameters.get(slot + name)));
            vision.add(module.vision(name -> parameters.get(slot + name)));
        }
        return new TaskPrompts(concatLayers(text), concatLayers(vision));
    }

    private static List<NDArray> concatLayers(List<List<NDArray>> perSlot) {
        if (perSlot.size() == 1) {
            return perSlot.get(0);
        }
        List<NDArray> out = new ArrayList<>();
        int depth = perSlot.stream().mapToInt(List::size).max().orElse(0);
        for (int layer = 0; layer < depth; layer++) {
            final int l = layer;
            out.add(NDArrays.concat(new ai.djl.ndarray.NDList(perSlot.stream().map(s -> s.get(l)).toList().toArray(NDArray[]::new)), 0));
        }
        return out;
    }

    /** Image features after the method's adapters (identity for prompt methods). */
    public NDArray adaptImage(int task, NDArray features) {
        NDArray f = features;
        for (String slot : slots(task)) {
            f = modules.get(slot).adaptImage(f, name -> parameters.get(slot + name));
        }
        return f;
    }

    @Override
    public void close() {
        parameters.close();
    }
}
