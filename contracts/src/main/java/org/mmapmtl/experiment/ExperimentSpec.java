package org.mmapmtl.experiment;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a user submits: a dataset and split, the base CLIP, the methods to compare, the seeds, the recipe and the
 * grouping settings. {@link SpecReader} reads one from JSON or YAML with every default filled in, so that the
 * stored spec, submitted again, reproduces the experiment.
 *
 * @param id      the experiment id; the service assigns one when the submission has none
 * @param weights a CLIP weights file (safetensors, Hugging Face or OpenAI TorchScript) under an allowed data root,
 *                or {@code generated:tiny-vN}: the tiny CLIP pretrained contrastively on the generated shape world
 *                ({@code generated:tiny} names the newest version and is stored as it)
 * @param methods methods and framework variants ({@link Variant#names()}), each trained with every seed
 * @param seeds   the paper reports the mean over seeds 1, 2, 3
 * @param device  {@code cpu} or {@code gpu}
 * @param imported prompts trained elsewhere, scored beside the methods on every seed's split: a row name for each
 *                 checkpoint file (one {@code ./mmap import} wrote, or another experiment's run of a method that
 *                 shares its parameters across tasks), on the same base weights; empty when none
 */
public record ExperimentSpec(String id, DatasetSpec dataset, String weights, List<String> methods, List<Long> seeds,
                             Recipe recipe, PromptSettings prompt, GroupingSpec grouping, String device,
                             @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> imported) {
    /** The newest pretrained tiny CLIP, whichever version that is; a spec stores the version it meant. */
    public static final String GENERATED_TINY = "generated:tiny";
    public static final String GENERATED_TINY_V1 = "generated:tiny-v1";
    public static final String GENERATED_TINY_V2 = "generated:tiny-v2";
    public static final String GENERATED_TINY_V3 = "generated:tiny-v3";
    public static final String GENERATED_TINY_V4 = "generated:tiny-v4";
    /** Every released version, oldest first: an old version stays so that its experiments stay reproducible. */
    public static final List<String> RELEASED_TINY = List.of(GENERATED_TINY_V1, GENERATED_TINY_V2, GENERATED_TINY_V3,
            GENERATED_TINY_V4);
    public static final List<Long> PAPER_SEEDS = List.of(1L, 2L, 3L);

    public ExperimentSpec {
        methods = List.copyOf(methods);
        seeds = List.copyOf(seeds);
        imported = imported == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(imported));
    }

    /** An experiment of methods only, nothing imported. */
    public ExperimentSpec(String id, DatasetSpec dataset, String weights, List<String> methods, List<Long> seeds,
                          Recipe recipe, PromptSettings prompt, GroupingSpec grouping, String device) {
        this(id, dataset, weights, methods, seeds, recipe, prompt, grouping, device, Map.of());
    }

    public List<Variant> variants() {
        return methods.stream().map(Variant::parse).toList();
    }

    public boolean needsPartition() {
        return variants().stream().anyMatch(Variant::needsPartition);
    }

    public ExperimentSpec withId(String newId) {
        return new ExperimentSpec(newId, dataset, weights, methods, seeds, recipe, prompt, grouping, device, imported);
    }

    public ExperimentSpec withDataset(DatasetSpec d) {
        return new ExperimentSpec(id, d, weights, methods, seeds, recipe, prompt, grouping, device, imported);
    }

    public ExperimentSpec withGrouping(GroupingSpec g) {
        return new ExperimentSpec(id, dataset, weights, methods, seeds, recipe, prompt, g, device, imported);
    }

    /** Whether the weights name the bundled tiny CLIP (any version) rather than a file. */
    public static boolean isGenerated(String weights) {
        return weights != null && (weights.equals(GENERATED_TINY) || weights.startsWith(GENERATED_TINY + "-v"));
    }

    /** The versioned name: {@code generated:tiny} becomes the newest version, anything else stays. */
    public static String versioned(String weights) {
        return GENERATED_TINY.equals(weights) ? RELEASED_TINY.get(RELEASED_TINY.size() - 1) : weights;
    }
}
