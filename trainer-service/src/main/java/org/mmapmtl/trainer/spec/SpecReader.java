package org.mmapmtl.trainer.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.mmapmtl.grouping.GradientSimilarity;
import org.mmapmtl.grouping.GroupingObjective;
import org.mmapmtl.experiment.DatasetSpec;
import org.mmapmtl.experiment.ExperimentSpec;
import org.mmapmtl.experiment.GroupingSpec;
import org.mmapmtl.experiment.PromptSettings;
import org.mmapmtl.experiment.Recipe;
import org.mmapmtl.experiment.Variant;
import org.mmapmtl.tokenizer.ClipTokenizer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads an {@link ExperimentSpec} from JSON or YAML, checks every field and fills every default. All problems are
 * collected and refused together ({@link InvalidSpecException}), each naming its field; unknown fields are refused
 * too, since a misspelt option silently ignored would run a different experiment than the one asked for.
 */
public final class SpecReader {
    // a body with anything after the spec ("{} {}", a second YAML document) is refused, not half read
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final ObjectMapper YAML = new YAMLMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final Set<String> KINDS = Set.of("folder", "office-home", "mini-domainnet");
    static final int MAX_SEEDS = 10;
    static final int MAX_METHODS = 32;

    private final SpecFields fields = new SpecFields();
    private final SpecWorld world;
    /** The number of tasks the spec selects, once known from its list or its dataset's domains; else 0. */
    private int taskCount;

    private SpecReader(SpecWorld world) {
        this.world = world;
    }

    /** @param yaml whether the text is YAML (JSON otherwise; JSON is valid YAML too) */
    public static ExperimentSpec read(byte[] text, boolean yaml) {
        return read(text, yaml, SpecWorld.ANY);
    }

    /** @param world judges the files the spec names */
    public static ExperimentSpec read(byte[] text, boolean yaml, SpecWorld world) {
        JsonNode root;
        try {
            root = (yaml ? YAML : JSON).readTree(text);
        } catch (JsonProcessingException e) {
            throw new InvalidSpecException(List.of(new SpecError("$", "not valid " + (yaml ? "YAML" : "JSON") + ": "
                    + e.getOriginalMessage() + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr()))));
        } catch (IOException e) {
            throw new InvalidSpecException(List.of(new SpecError("$", "unreadable: " + e.getMessage())));
        }
        return read(root, world);
    }

    public static ExperimentSpec read(JsonNode root) {
        return read(root, SpecWorld.ANY);
    }

    public static ExperimentSpec read(JsonNode root, SpecWorld world) {
        SpecReader r = new SpecReader(world);
        ExperimentSpec spec = r.experiment(root == null ? NullNode.getInstance() : root);
        if (!r.fields.errors().isEmpty()) {
            throw new InvalidSpecException(r.fields.errors());
        }
        return spec;
    }

    /** The spec as JSON, every default written out. */
    public static String toJson(ExperimentSpec spec) {
        try {
            JsonNode tree = JSON.valueToTree(spec);
            if (tree.path("dataset").path("tasks").isEmpty() && tree.path("dataset") instanceof ObjectNode d) {
                d.remove("tasks"); // no list means every domain; an empty one is refused when read back
            }
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private ExperimentSpec experiment(JsonNode root) {
        if (!root.isObject()) {
            fields.error("$", "an experiment spec must be an object with at least dataset, weights and methods");
            return null;
        }
        fields.known(root, "", "id", "dataset", "weights", "methods", "seeds", "recipe", "prompt", "grouping", "device");
        String id = null;
        if (fields.present(root, "id")) {
            id = fields.text(root, "id", "");
            if (id != null && !ID.matcher(id).matches()) {
                fields.error("id", "'" + id + "' must be 1-64 letters, digits, '-' or '_', starting with a letter or digit");
            }
        }
        DatasetSpec dataset = dataset(root.path("dataset"));
        String weights = null;
        if (fields.require(root, "weights", "a CLIP weights file under an allowed data root, or " + ExperimentSpec.GENERATED_TINY)) {
            weights = ExperimentSpec.versioned(fields.text(root, "weights", ""));
            if (ExperimentSpec.isGenerated(weights) && !ExperimentSpec.RELEASED_TINY.contains(weights)) {
                fields.error("weights", "'" + weights + "' is not a released tiny CLIP: use one of "
                        + String.join(", ", ExperimentSpec.RELEASED_TINY) + " (or " + ExperimentSpec.GENERATED_TINY
                        + " for the newest)");
            }
            checkPath("weights", weights, false);
        }
        List<String> methods = methods(root);
        List<Long> seeds = seeds(root);
        Recipe recipe = recipe(root.path("recipe"), Recipe.paper(dataset == null ? null : dataset.kind()));
        PromptSettings prompt = prompt(root.path("prompt"));
        GroupingSpec grouping = grouping(root.path("grouping"), dataset);
        String device = "cpu";
        if (fields.present(root, "device")) {
            device = lower(fields.text(root, "device", ""));
            if (device != null && !device.equals("cpu") && !device.equals("gpu")) {
                fields.error("device", "'" + device + "' must be cpu or gpu");
            }
        }
        if (!fields.errors().isEmpty()) {
            return null;
        }
        if (recipe.sampling().equals("mixed") && methods.stream().map(Variant::parse).anyMatch(Variant::needsPartition)) {
            fields.error("recipe.sampling", "mixed sampling can leave a task out of a step, but the grouping snapshots of "
                    + "phase 1 need every task at every snapshot; use per-task with methods that group tasks");
        }
        return fields.errors().isEmpty() ? new ExperimentSpec(id, dataset, weights, methods, seeds, recipe, prompt, grouping, device) : null;
    }

    private DatasetSpec dataset(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            fields.error("dataset", "missing: give {kind, root, percent or shots}");
            return null;
        }
        if (!node.isObject()) {
            fields.error("dataset", "must be an object {kind, root, percent or shots, seed, official, tasks}");
            return null;
        }
        fields.known(node, "dataset.", "kind", "root", "percent", "shots", "seed", "official", "tasks");
        String kind = "folder";
        if (fields.present(node, "kind")) {
            kind = lower(fields.text(node, "kind", "dataset."));
            if (kind != null && !KINDS.contains(kind)) {
                fields.error("dataset.kind", "'" + kind + "' must be one of folder, office-home, mini-domainnet");
            }
        }
        String root = null;
        if (fields.require(node, "root", "the dataset folder", "dataset.")) {
            root = fields.text(node, "root", "dataset.");
            checkPath("dataset.root", root, true);
        }
        Double percent = null;
        Integer shots = null;
        if (fields.present(node, "percent")) {
            percent = fields.number(node, "percent", "dataset.");
            if (percent != null && !(percent > 0 && percent < 100)) {
                fields.error("dataset.percent", "must be within (0, 100), got " + percent);
            }
        }
        if (fields.present(node, "shots")) {
            shots = fields.integer(node, "shots", "dataset.", 1, 100_000);
        }
        if (fields.present(node, "percent") && fields.present(node, "shots")) {
            fields.error("dataset", "give percent or shots, not both");
        } else if (!fields.present(node, "percent") && !fields.present(node, "shots")) {
            fields.error("dataset.percent", "missing: give percent (the paper: 10 or 20 for Office-Home, 1 or 2 for "
                    + "MiniDomainNet) or shots");
        }
        Long seed = null;
        if (fields.present(node, "seed")) {
            Integer s = fields.integer(node, "seed", "dataset.", 0, Integer.MAX_VALUE);
            seed = s == null ? null : s.longValue();
        }
        boolean official = fields.present(node, "official") && fields.bool(node, "official", "dataset.");
        if (official && kind != null && !kind.equals("mini-domainnet")) {
            fields.error("dataset.official", "only mini-domainnet has official train/test lists");
        }
        List<String> tasks = List.of();
        if (fields.present(node, "tasks")) {
            tasks = fields.distinctTexts(node.get("tasks"), "dataset.tasks", 64);
            if (node.get("tasks").isArray() && node.get("tasks").isEmpty()) {
                fields.error("dataset.tasks", "an empty list selects no task: list the domains to train on, or leave tasks out "
                        + "for every domain of the dataset");
            }
            taskCount = tasks.size();
        }
        List<String> domains = root == null || kind == null || !KINDS.contains(kind) || fields.hasError("dataset.root")
                ? null : world.domains(kind, root);
        if (domains != null) {
            for (int i = 0; i < tasks.size(); i++) {
                if (!domains.contains(tasks.get(i))) {
                    fields.error("dataset.tasks[" + i + "]", "'" + tasks.get(i) + "' is not a domain of " + root
                            + " (domains: " + domains + ")");
                }
            }
            taskCount = tasks.isEmpty() ? domains.size() : taskCount;
        }
        return new DatasetSpec(kind, root, percent, shots, seed, official, tasks);
    }

    private List<String> methods(JsonNode root) {
        if (!fields.require(root, "methods", "a list of methods, e.g. [\"mmap\", \"coop-mt\"]")) {
            return List.of();
        }
        List<String> names = fields.distinctTexts(root.get("methods"), "methods", MAX_METHODS);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            try {
                out.add(Variant.parse(names.get(i)).name());
            } catch (IllegalArgumentException e) {
                fields.error("methods[" + i + "]", "unknown method '" + names.get(i) + "': use one of " + Variant.names());
            }
        }
        if (root.get("methods").isArray() && root.get("methods").isEmpty()) {
            fields.error("methods", "name at least one method");
        }
        return out;
    }

    private List<Long> seeds(JsonNode root) {
        if (!fields.present(root, "seeds")) {
            return ExperimentSpec.PAPER_SEEDS;
        }
        JsonNode node = root.get("seeds");
        if (!node.isArray() || node.isEmpty()) {
            fields.error("seeds", "must be a non-empty list of integers, e.g. [1, 2, 3]");
            return List.of();
        }
        if (node.size() > MAX_SEEDS) {
            fields.error("seeds", "at most " + MAX_SEEDS + " seeds, got " + node.size());
        }
        List<Long> seeds = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode s = node.get(i);
            if (!s.canConvertToLong() || !s.isIntegralNumber() || s.asLong() < 0) {
                fields.error("seeds[" + i + "]", "must be a non-negative integer, got " + s);
            } else if (!seen.add(s.asLong())) {
                fields.error("seeds[" + i + "]", "seed " + s.asLong() + " appears twice");
            } else {
                seeds.add(s.asLong());
            }
        }
        return seeds;
    }

    private Recipe recipe(JsonNode node, Recipe d) {
        if (node.isMissingNode() || node.isNull()) {
            return d;
        }
        if (!node.isObject()) {
            fields.error("recipe", "must be an object");
            return d;
        }
        fields.known(node, "recipe.", "epochs", "batchSize", "learningRate", "momentum", "weightDecay", "warmupEpochs",
                "warmupLearningRate", "augment", "sampling");
        int epochs = or(fields.integer(node, "epochs", "recipe.", 1, 1000), d.epochs());
        int batch = or(fields.integer(node, "batchSize", "recipe.", 1, 1024), d.batchSize());
        double lr = or(fields.positive(node, "learningRate", "recipe.", 10), d.learningRate());
        double momentum = d.momentum();
        Double m = fields.number(node, "momentum", "recipe.");
        if (m != null) {
            if (m < 0 || m >= 1) {
                fields.error("recipe.momentum", "must be in [0, 1), got " + m);
            } else {
                momentum = m;
            }
        }
        double wd = d.weightDecay();
        Double w = fields.number(node, "weightDecay", "recipe.");
        if (w != null) {
            if (w < 0 || w > 1) {
                fields.error("recipe.weightDecay", "must be in [0, 1], got " + w);
            } else {
                wd = w;
            }
        }
        int warmup = Math.min(d.warmupEpochs(), epochs - 1);
        Integer wu = fields.integer(node, "warmupEpochs", "recipe.", 0, 1000);
        if (wu != null) {
            if (wu > 0 && wu >= epochs) {
                fields.error("recipe.warmupEpochs", "must be below epochs (" + epochs + "), got " + wu);
            } else {
                warmup = wu;
            }
        }
        double warmupLr = or(fields.positive(node, "warmupLearningRate", "recipe.", 10), d.warmupLearningRate());
        boolean augment = fields.present(node, "augment") ? fields.bool(node, "augment", "recipe.") : d.augment();
        String sampling = d.sampling();
        if (fields.present(node, "sampling")) {
            String s = lower(fields.text(node, "sampling", "recipe."));
            if (s != null && !s.equals("per-task") && !s.equals("mixed")) {
                fields.error("recipe.sampling", "'" + s + "' must be per-task or mixed");
            } else if (s != null) {
                sampling = s;
            }
        }
        return new Recipe(epochs, batch, lr, momentum, wd, warmup, warmupLr, augment, sampling);
    }

    private PromptSettings prompt(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return PromptSettings.defaults();
        }
        if (!node.isObject()) {
            fields.error("prompt", "must be an object {length, depth, m, n, contextInit}");
            return PromptSettings.defaults();
        }
        fields.known(node, "prompt.", "length", "depth", "m", "n", "contextInit");
        return new PromptSettings(or(fields.integer(node, "length", "prompt.", 0, 64), 0), or(fields.integer(node, "depth", "prompt.", 0, 48), 0),
                or(fields.integer(node, "m", "prompt.", 0, 64), 0), or(fields.integer(node, "n", "prompt.", 0, 4096), 0),
                contextInit(node));
    }

    /** CoOp's starting words: plain words whose tokens fit its context (at most 64, as {@code length}). */
    private String contextInit(JsonNode node) {
        if (!fields.present(node, "contextInit")) {
            return null;
        }
        String words = fields.text(node, "contextInit", "prompt.");
        if (words == null) {
            return null;
        }
        words = words.trim().replaceAll("\\s+", " ");
        if (!CONTEXT_WORDS.matcher(words).matches()) {
            fields.error("prompt.contextInit", "'" + words + "' must be plain words (letters, digits, spaces, - and '), "
                    + "as \"a photo of a\"");
            return null;
        }
        int tokens = ClipTokenizer.bundled().encode(words).size();
        if (tokens > 64) {
            fields.error("prompt.contextInit", "'" + words + "' is " + tokens + " tokens; CoOp's context holds at most 64");
            return null;
        }
        return words;
    }

    private static final Pattern CONTEXT_WORDS = Pattern.compile("[\\p{L}\\p{N}'-]+( [\\p{L}\\p{N}'-]+)*");

    private GroupingSpec grouping(JsonNode node, DatasetSpec dataset) {
        GroupingSpec d = GroupingSpec.defaults();
        if (node.isMissingNode() || node.isNull()) {
            return d;
        }
        if (!node.isObject()) {
            fields.error("grouping", "must be an object {epochs, snapshots, snapshotEvery, objective, k, tau, similarity}");
            return d;
        }
        fields.known(node, "grouping.", "epochs", "snapshots", "snapshotEvery", "objective", "k", "tau", "similarity");
        int epochs = or(fields.integer(node, "epochs", "grouping.", 1, 1000), d.epochs());
        int snapshots = or(fields.integer(node, "snapshots", "grouping.", 1, 1000), d.snapshots());
        int every = or(fields.integer(node, "snapshotEvery", "grouping.", 0, 1_000_000), d.snapshotEvery());
        String objective = d.objective();
        if (fields.present(node, "objective")) {
            String o = lower(fields.text(node, "objective", "grouping."));
            if (o != null && !GroupingObjective.NAMES.contains(o)) {
                fields.error("grouping.objective", "'" + o + "' must be one of " + GroupingObjective.NAMES);
            } else if (o != null) {
                objective = o;
            }
        }
        Integer k = fields.present(node, "k") ? fields.integer(node, "k", "grouping.", 1, 64) : null;
        if (objective.equals("k") && k == null && !fields.present(node, "k")) {
            fields.error("grouping.k", "objective k needs the number of groups k");
        }
        if (k != null && taskCount > 0 && k > taskCount) {
            fields.error("grouping.k", k + " groups cannot be made of " + taskCount + " tasks");
        }
        Double tau = fields.present(node, "tau") ? fields.number(node, "tau", "grouping.") : null;
        String tauProblem = org.mmapmtl.grouping.GroupingObjective.tauProblem(tau);
        if (tauProblem != null) {
            fields.error("grouping.tau", tauProblem);
        }
        if (tau != null && objective.equals("mean-centred")) {
            fields.error("grouping.tau", "objective mean-centred computes tau from the affinities; drop tau or use objective threshold");
        }
        String similarity = d.similarity();
        if (fields.present(node, "similarity")) {
            String s = lower(fields.text(node, "similarity", "grouping."));
            try {
                if (s != null) {
                    GradientSimilarity.valueOf(s.toUpperCase(Locale.ROOT));
                    similarity = s;
                }
            } catch (IllegalArgumentException e) {
                fields.error("grouping.similarity", "'" + s + "' must be cosine or dot");
            }
        }
        return new GroupingSpec(epochs, snapshots, every, objective, k, tau, similarity);
    }

    private void checkPath(String field, String path, boolean directory) {
        if (path == null || ExperimentSpec.isGenerated(path)) {
            return;
        }
        String problem = world.pathProblem(path, directory);
        if (problem != null) {
            fields.error(field, problem);
        }
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static int or(Integer v, int d) {
        return v == null ? d : v;
    }

    private static double or(Double v, double d) {
        return v == null ? d : v;
    }
}
