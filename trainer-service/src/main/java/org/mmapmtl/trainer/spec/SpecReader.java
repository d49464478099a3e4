package org.mmapmtl.trainer.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.mmapmtl.experiment.DatasetSpec;
import org.mmapmtl.experiment.ExperimentSpec;
import org.mmapmtl.experiment.GroupingSpec;
import org.mmapmtl.experiment.PromptSettings;
import org.mmapmtl.clip.Precision;
import org.mmapmtl.experiment.Recipe;
import org.mmapmtl.experiment.Variant;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads an {@link ExperimentSpec} from JSON or YAML, checks every field and fills every default. All problems are
 * collected and refused together ({@link InvalidSpecException}), each naming its field; unknown fields are refused
 * too, since a misspelt option silently ignored would run a different experiment than the one asked for.
 */
public final class SpecReader {
    /** The field GET /experiments/{id}/spec adds beside the spec; a submit accepts and ignores it. */
    public static final String PROVENANCE = "provenance";

    // a body with anything after the spec ("{} {}", a second YAML document) is refused, not half read
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final ObjectMapper YAML = new YAMLMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final Set<String> KINDS = Set.of("folder", "office-home", "mini-domainnet");
    static final int MAX_SEEDS = 10;
    static final int MAX_METHODS = 32;
    static final int MAX_IMPORTED = 16;
    private static final Pattern ROW = Pattern.compile("[a-z][a-z0-9-]{0,39}");

    private final SpecFields fields = new SpecFields();
    private final TrainingSection training = new TrainingSection(fields);
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
            if (tree.path("grouping").path("precision").isNull() && tree.path("grouping") instanceof ObjectNode g) {
                g.remove("precision"); // absent means the recipe's, and a reader older than the field accepts the spec
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
        // provenance: what GET /experiments/{id}/spec adds to the stored spec; read back, it says nothing to do
        fields.known(root, "", "id", "dataset", "weights", "methods", "seeds", "recipe", "prompt", "grouping", "device",
                "imported", PROVENANCE);
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
        Map<String, String> imported = imported(root.path("imported"), methods);
        List<Long> seeds = seeds(root);
        Recipe recipe = training.recipe(root.path("recipe"), Recipe.paper(dataset == null ? null : dataset.kind()));
        PromptSettings prompt = training.prompt(root.path("prompt"));
        GroupingSpec grouping = GroupingSection.read(fields, root.path("grouping"), taskCount);
        String device = "cpu";
        if (fields.present(root, "device")) {
            device = SpecFields.lower(fields.text(root, "device", ""));
            if (device != null && !device.equals("cpu") && !device.equals("gpu")) {
                fields.error("device", "'" + device + "' must be cpu or gpu");
            }
        }
        if (!fields.errors().isEmpty()) {
            return null;
        }
        if (recipe.precision().equals(Recipe.BF16) && "cpu".equals(device) && !world.cpuRunsBf16()) {
            fields.error("recipe.precision", Precision.UNSUPPORTED + " (this trainer's CPU)");
        }
        if (Recipe.BF16.equals(grouping.precision()) && "cpu".equals(device) && !world.cpuRunsBf16()) {
            fields.error("grouping.precision", Precision.UNSUPPORTED + " (this trainer's CPU)");
        }
        if (recipe.sampling().equals("mixed") && methods.stream().map(Variant::parse).anyMatch(Variant::needsPartition)) {
            fields.error("recipe.sampling", "mixed sampling can leave a task out of a step, but the grouping snapshots of "
                    + "phase 1 need every task at every snapshot; use per-task with methods that group tasks");
        }
        return fields.errors().isEmpty()
                ? new ExperimentSpec(id, dataset, weights, methods, seeds, recipe, prompt, grouping, device, imported) : null;
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
            kind = SpecFields.lower(fields.text(node, "kind", "dataset."));
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

    /**
     * {@code imported: {row name: checkpoint file}}: prompts trained elsewhere, each scored as a row of its own. A row
     * name cannot be a method's (the results table would show two rows under one name).
     */
    private Map<String, String> imported(JsonNode node, List<String> methods) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node.isMissingNode() || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            fields.error("imported", "must be an object {row name: checkpoint file}, e.g. {maple-theirs: "
                    + "imports/maple.safetensors} (./mmap import writes such a file)");
            return out;
        }
        if (node.size() > MAX_IMPORTED) {
            fields.error("imported", "at most " + MAX_IMPORTED + " imported checkpoints, got " + node.size());
        }
        node.fields().forEachRemaining(e -> {
            String name = e.getKey();
            String field = "imported." + name;
            if (!ROW.matcher(name).matches()) {
                fields.error(field, "the row name '" + name + "' must be 1-40 lower-case letters, digits or '-', "
                        + "starting with a letter");
                return;
            }
            if (isMethodName(name) || methods.contains(name)) {
                fields.error(field, "'" + name + "' names a method; give the imported prompts a row name of their own, "
                        + "e.g. " + name + "-imported");
                return;
            }
            if (!e.getValue().isTextual() || e.getValue().asText().isBlank()) {
                fields.error(field, "must be the path of a checkpoint file (.safetensors), got " + e.getValue());
                return;
            }
            checkPath(field, e.getValue().asText(), false);
            out.put(name, e.getValue().asText());
        });
        return out;
    }

    private static boolean isMethodName(String name) {
        try {
            Variant.parse(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
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

    private void checkPath(String field, String path, boolean directory) {
        if (path == null || ExperimentSpec.isGenerated(path)) {
            return;
        }
        String problem = world.pathProblem(path, directory);
        if (problem != null) {
            fields.error(field, problem);
        }
    }

}
