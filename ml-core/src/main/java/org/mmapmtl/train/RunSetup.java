package org.mmapmtl.train;

import org.mmapmtl.data.Dataset;
import org.mmapmtl.data.DatasetLoader;
import org.mmapmtl.data.Split;
import org.mmapmtl.data.SplitRule;
import org.mmapmtl.experiment.DatasetSpec;
import org.mmapmtl.experiment.RunSpec;
import org.mmapmtl.experiment.MethodSpec;
import org.mmapmtl.tokenizer.ClipTokenizer;

import java.nio.file.Path;
import java.util.Locale;

/** What a {@link RunSpec} means to the trainer: its method, its recipe, its split. */
public final class RunSetup {
    /** The checkpoint metadata key holding the run's spec (JSON). */
    public static final String RUN_SPEC_KEY = "run_spec";

    private RunSetup() {
    }

    public static MethodSpec methodSpec(RunSpec run) {
        MethodSpec spec = MethodSpec.parse(run.method());
        int length = contextInit(run) != null && spec.family() == MethodSpec.Family.COOP
                ? ClipTokenizer.bundled().encode(contextInit(run)).size() // the words set CoOp's context length
                : run.prompt().length();
        return spec.withPromptLength(length).withDepth(run.prompt().depth()).withFactors(run.prompt().m(), run.prompt().n())
                .withSourcePerLayer(run.prompt().sourcePerLayerOrDefault());
    }

    /** The words CoOp's context starts from, or null for its random start. */
    public static String contextInit(RunSpec run) {
        return run.prompt() == null ? null : run.prompt().contextInit();
    }

    public static TrainingConfig trainingConfig(RunSpec run) {
        var r = run.recipe();
        BatchPlan.Sampling sampling = BatchPlan.Sampling.valueOf(r.sampling().toUpperCase(Locale.ROOT).replace('-', '_'));
        return new TrainingConfig(r.epochs(), r.perTaskBatch(run.tasks().size()), r.learningRate(), r.momentum(), r.weightDecay(),
                r.warmupEpochs(), r.warmupLearningRate(), r.augment(), run.seed(), run.snapshotEvery(), run.snapshots(),
                sampling, r.maxGradNorm());
    }

    public static SplitRule splitRule(DatasetSpec d) {
        return d.percent() != null ? new SplitRule.Percent(d.percent()) : new SplitRule.Shots(d.shots());
    }

    public static Dataset dataset(DatasetSpec d) {
        return DatasetLoader.load(d.kind(), Path.of(d.root()));
    }

    /** The run's split, drawn exactly as when it trained: same files, same seed, so the same test images. */
    public static Split split(RunSpec run) {
        return Split.of(dataset(run.dataset()), splitRule(run.dataset()), run.splitSeed(), run.dataset().official());
    }

    /** The groups to create the method with: the partition for grouped methods, none otherwise. */
    public static java.util.List<java.util.List<String>> methodGroups(RunSpec run) {
        return methodSpec(run).sharing() == MethodSpec.Sharing.GROUPED ? run.groups() : java.util.List.of();
    }
}
