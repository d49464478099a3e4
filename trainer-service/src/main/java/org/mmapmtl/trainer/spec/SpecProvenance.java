package org.mmapmtl.trainer.spec;

import org.mmapmtl.experiment.ExperimentSpec;
import org.mmapmtl.experiment.GroupingSpec;
import org.mmapmtl.experiment.Recipe;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where each default of a spec comes from, so that nobody mistakes a reading for the paper's word: the paper (with its
 * words), MaPLe's Dassl configuration (which the paper builds on and does not restate), or ours (a choice the text
 * leaves open). A stored spec's fields are each marked with the default's source, or "this spec" where it set its own.
 */
public final class SpecProvenance {
    public static final String PAPER = "paper";
    public static final String DASSL = "MaPLe/Dassl";
    public static final String OURS = "ours";
    public static final String THIS_SPEC = "this spec";

    /**
     * @param value        what the experiment uses
     * @param defaultValue what a spec that leaves the field out gets
     * @param source       where the default comes from, or "this spec" when the value is not the default
     * @param basis        the paper's words, the configuration key, or why we chose it
     */
    public record Origin(Object value, Object defaultValue, String source, String basis) {
    }

    private record Default(String field, String source, String basis) {
    }

    private static final List<Default> DEFAULTS = List.of(
            new Default("seeds", PAPER, "\"three different seeds\" (the values 1, 2, 3 are MaPLe's scripts')"),
            new Default("dataset.seed", DASSL, "each seed draws its own split, as Dassl's few-shot sampling does"),
            new Default("recipe.epochs", PAPER, "\"train for 5 epochs\""),
            new Default("recipe.batchSize", PAPER, "\"batch size of 16/4\" (16 on Office-Home, 4 on MiniDomainNet)"),
            new Default("recipe.batchPer", OURS, "the paper's batch read as images of each task in a step; 'step' is the "
                    + "other reading (the batch shared among a step's tasks)"),
            new Default("recipe.learningRate", PAPER, "\"SGD optimizer with a learning rate of 0.0035\""),
            new Default("recipe.momentum", DASSL, "OPTIM.MOMENTUM 0.9"),
            new Default("recipe.weightDecay", DASSL, "OPTIM.WEIGHT_DECAY 5e-4"),
            new Default("recipe.warmupEpochs", DASSL, "OPTIM.WARMUP_EPOCH 1 (constant warm-up), then cosine decay per epoch"),
            new Default("recipe.warmupLearningRate", DASSL, "OPTIM.WARMUP_CONS_LR 1e-5"),
            new Default("recipe.augment", DASSL, "INPUT.TRANSFORMS random resized crop, random flip, normalize"),
            new Default("recipe.sampling", OURS, "every task one batch a step, an epoch what the largest task needs "
                    + "(the paper does not say how tasks are mixed)"),
            new Default("recipe.precision", OURS, "float32 throughout, for outputs identical from run to run "
                    + "(MaPLe's code trains CLIP in fp16, TRAINER.MAPLE.PREC; 'bf16' runs CLIP's block products in bfloat16)"),
            new Default("recipe.maxGradNorm", DASSL, "no clipping, as MaPLe's Dassl trainer (the paper names none; the "
                    + "demo clips at 10)"),
            new Default("grouping.epochs", OURS, "one epoch of the global MmAP (the paper gives no length for it)"),
            new Default("grouping.snapshots", OURS, "four gradient snapshots spread over phase 1 (the paper averages "
                    + "similarities over training without a count)"),
            new Default("grouping.snapshotEvery", OURS, "0: spread evenly over phase 1 (stored as the steps that gives)"),
            new Default("grouping.objective", OURS, "threshold at tau 0: tasks grouped where their gradients agree more "
                    + "than they disagree (the paper chooses the partition with the best intra-group similarity)"),
            new Default("grouping.phase1", OURS, "one phase 1, with the first seed, whose partition every seed's phase 2 "
                    + "uses ('per-seed': one per seed); the paper does not say"),
            new Default("grouping.precision", OURS, "the recipe's precision ('fp32' keeps phase 1, and so the "
                    + "partition, in float32 under a bf16 recipe)"),
            new Default("grouping.similarity", PAPER, "the text's cosine similarity (Eq. 8 prints a dot product: 'dot' "
                    + "selects it)"));

    private SpecProvenance() {
    }

    /** Every field with a default, in the order of the spec, with its value in {@code spec} and its source. */
    public static Map<String, Origin> of(ExperimentSpec spec) {
        Recipe r = spec.recipe();
        Recipe dr = Recipe.paper(spec.dataset().kind());
        GroupingSpec g = spec.grouping();
        GroupingSpec dg = GroupingSpec.defaults();
        Map<String, Object[]> values = new LinkedHashMap<>(); // field -> {value, default}
        values.put("seeds", new Object[] {spec.seeds(), List.of(1L, 2L, 3L)});
        values.put("dataset.seed", new Object[] {spec.dataset().seed(), null});
        values.put("recipe.epochs", new Object[] {r.epochs(), dr.epochs()});
        values.put("recipe.batchSize", new Object[] {r.batchSize(), dr.batchSize()});
        values.put("recipe.batchPer", new Object[] {r.batchPer(), dr.batchPer()});
        values.put("recipe.learningRate", new Object[] {r.learningRate(), dr.learningRate()});
        values.put("recipe.momentum", new Object[] {r.momentum(), dr.momentum()});
        values.put("recipe.weightDecay", new Object[] {r.weightDecay(), dr.weightDecay()});
        values.put("recipe.warmupEpochs", new Object[] {r.warmupEpochs(), dr.warmupEpochs()});
        values.put("recipe.warmupLearningRate", new Object[] {r.warmupLearningRate(), dr.warmupLearningRate()});
        values.put("recipe.augment", new Object[] {r.augment(), dr.augment()});
        values.put("recipe.sampling", new Object[] {r.sampling(), dr.sampling()});
        values.put("recipe.precision", new Object[] {r.precision(), dr.precision()});
        values.put("recipe.maxGradNorm", new Object[] {r.maxGradNorm(), dr.maxGradNorm()});
        values.put("grouping.epochs", new Object[] {g.epochs(), dg.epochs()});
        values.put("grouping.snapshots", new Object[] {g.snapshots(), dg.snapshots()});
        values.put("grouping.snapshotEvery", new Object[] {g.snapshotEvery(), dg.snapshotEvery()});
        values.put("grouping.objective", new Object[] {g.objective(), dg.objective()});
        values.put("grouping.similarity", new Object[] {g.similarity(), dg.similarity()});
        values.put("grouping.phase1", new Object[] {g.phase1(), dg.phase1()});
        values.put("grouping.precision", new Object[] {g.precision(), dg.precision()});
        Map<String, Origin> out = new LinkedHashMap<>();
        for (Default d : DEFAULTS) {
            Object[] v = values.get(d.field());
            // snapshotEvery is stored as the steps phase 1 computed from 0, so a stored value never tells the two apart
            boolean own = !Objects.equals(v[0], v[1]) && !d.field().equals("grouping.snapshotEvery");
            out.put(d.field(), new Origin(v[0], v[1], own ? THIS_SPEC : d.source(), d.basis()));
        }
        return out;
    }
}
