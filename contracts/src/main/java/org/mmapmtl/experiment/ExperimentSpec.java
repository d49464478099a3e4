package org.mmapmtl.experiment;

import java.util.List;

/**
 * What a user submits: a dataset and split, the base CLIP, the methods to compare, the seeds, the recipe and the
 * grouping settings. {@link SpecReader} reads one from JSON or YAML with every default filled in, so that the
 * stored spec, submitted again, reproduces the experiment.
 *
 * @param id      the experiment id; the service assigns one when the submission has none
 * @param weights a CLIP weights file (safetensors, Hugging Face or OpenAI TorchScript) under an allowed data root,
 *                or {@code generated:tiny}: a tiny CLIP pretrained on the dataset's domains that are not tasks
 * @param methods methods and framework variants ({@link Variant#names()}), each trained with every seed
 * @param seeds   the paper reports the mean over seeds 1, 2, 3
 * @param device  {@code cpu} or {@code gpu}
 */
public record ExperimentSpec(String id, DatasetSpec dataset, String weights, List<String> methods, List<Long> seeds,
                             Recipe recipe, PromptSettings prompt, GroupingSpec grouping, String device) {
    public static final String GENERATED_TINY = "generated:tiny";
    public static final List<Long> PAPER_SEEDS = List.of(1L, 2L, 3L);

    public ExperimentSpec {
        methods = List.copyOf(methods);
        seeds = List.copyOf(seeds);
    }

    public List<Variant> variants() {
        return methods.stream().map(Variant::parse).toList();
    }

    public boolean needsPartition() {
        return variants().stream().anyMatch(Variant::needsPartition);
    }

    public ExperimentSpec withId(String newId) {
        return new ExperimentSpec(newId, dataset, weights, methods, seeds, recipe, prompt, grouping, device);
    }

    public ExperimentSpec withDataset(DatasetSpec d) {
        return new ExperimentSpec(id, d, weights, methods, seeds, recipe, prompt, grouping, device);
    }

    public ExperimentSpec withGrouping(GroupingSpec g) {
        return new ExperimentSpec(id, dataset, weights, methods, seeds, recipe, prompt, g, device);
    }
}
