package org.mmapmtl.experiment;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * One run of an experiment, complete enough on its own to rebuild the model, the data and the test split: it is written
 * into every checkpoint's metadata and carried by every {@code mmap.checkpoints} record.
 *
 * @param runId         unique across experiments: {@code <experiment>.<variant>.s<seed>[.g<group>]}, or
 *                      {@code <experiment>.phase1}
 * @param variant       the method as the experiment named it ({@code mmap-random}, {@code coop-mt}, ...)
 * @param stage         {@code phase-1} (global MmAP streaming gradient snapshots), {@code phase-2} (one group of a
 *                      partition), {@code single} (a method that needs no partition) or {@code imported} (prompts
 *                      trained elsewhere, scored without training)
 * @param method        the prompt method trained, by its {@code MethodSpec} name
 * @param groups        the groups the method's prompts are shared in ({@code [tasks]} for methods without groups)
 * @param dataset       the dataset and split rule; {@code dataset.tasks} is every task of the experiment
 * @param weights       the base CLIP as the experiment named it (a path, or {@code generated:tiny})
 * @param weightsUri    the file actually loaded ({@code file:} URI), null until the run starts
 * @param weightsSha256 its SHA-256, null until the run starts; a resumed run refuses other weights
 * @param phase1        phase 1 and 2 runs: which phase 1 decides the groups ({@code first-seed} or {@code per-seed},
 *                      the experiment's {@code grouping.phase1}); null for the other runs
 * @param imported      a run of prompts trained elsewhere: the checkpoint ({@code ./mmap import}'s or another
 *                      experiment's) whose parameters the run scores on this experiment's split without training;
 *                      null for the runs that train
 * Plain data (the event contracts carry it); {@code train.RunSetup} turns it into the trainer's objects.
 */
public record RunSpec(String experimentId, String runId, String variant, String stage, String method, long seed,
                      List<String> tasks, List<List<String>> groups, DatasetSpec dataset, String weights,
                      String weightsUri, String weightsSha256, Recipe recipe, PromptSettings prompt,
                      int snapshotEvery, int snapshots, String device,
                      @JsonInclude(JsonInclude.Include.NON_NULL) String phase1,
                      @JsonInclude(JsonInclude.Include.NON_NULL) String imported) {
    public static final String PHASE_1 = "phase-1";
    public static final String PHASE_2 = "phase-2";
    public static final String SINGLE = "single";

    public static final String IMPORTED = "imported";

    public RunSpec {
        tasks = List.copyOf(tasks);
        groups = groups.stream().map(List::copyOf).toList();
    }

    /** A run that trains or scores the base CLIP, planned before either choice existed. */
    public RunSpec(String experimentId, String runId, String variant, String stage, String method, long seed,
                   List<String> tasks, List<List<String>> groups, DatasetSpec dataset, String weights,
                   String weightsUri, String weightsSha256, Recipe recipe, PromptSettings prompt,
                   int snapshotEvery, int snapshots, String device) {
        this(experimentId, runId, variant, stage, method, seed, tasks, groups, dataset, weights, weightsUri,
                weightsSha256, recipe, prompt, snapshotEvery, snapshots, device, null, null);
    }

    /** The split's seed: the dataset's own when the experiment fixed one, else the run's (as Dassl does). */
    public long splitSeed() {
        return dataset.seed() != null ? dataset.seed() : seed;
    }

    /** Whether the run trains: zero-shot and imported prompts are only scored. */
    public boolean trains() {
        return !method.equals("zero-shot") && imported == null;
    }

    /**
     * The run without its experiment and run ids: what a checkpoint file records, so that the same spec submitted
     * twice writes the same bytes (the ids travel in the checkpoint record and the file's path).
     */
    public RunSpec withoutIds() {
        return new RunSpec(null, null, variant, stage, method, seed, tasks, groups, dataset, weights, weightsUri,
                weightsSha256, recipe, prompt, snapshotEvery, snapshots, device, phase1, imported);
    }

    public RunSpec withPhase1(String which) {
        return new RunSpec(experimentId, runId, variant, stage, method, seed, tasks, groups, dataset, weights, weightsUri,
                weightsSha256, recipe, prompt, snapshotEvery, snapshots, device, which, imported);
    }

    public RunSpec withWeights(String uri, String sha256) {
        return new RunSpec(experimentId, runId, variant, stage, method, seed, tasks, groups, dataset, weights, uri,
                sha256, recipe, prompt, snapshotEvery, snapshots, device, phase1, imported);
    }
}
