package org.mmapmtl.trainer.spec;

import com.fasterxml.jackson.databind.JsonNode;
import org.mmapmtl.experiment.GroupingSpec;
import org.mmapmtl.experiment.Recipe;
import org.mmapmtl.grouping.GradientSimilarity;
import org.mmapmtl.grouping.GroupingObjective;

import java.util.Locale;
import java.util.Set;

/**
 * The spec's {@code grouping} section: how phase 1 snapshots gradients and how the partition is searched.
 * {@code taskCount} is the number of tasks the spec selects (0 while unknown), which bounds {@code k}.
 */
final class GroupingSection {
    private GroupingSection() {
    }

    static GroupingSpec read(SpecFields fields, JsonNode node, int taskCount) {
        GroupingSpec d = GroupingSpec.defaults();
        if (node.isMissingNode() || node.isNull()) {
            return d;
        }
        if (!node.isObject()) {
            fields.error("grouping", "must be an object {epochs, snapshots, snapshotEvery, objective, k, tau, similarity, phase1, precision}");
            return d;
        }
        fields.known(node, "grouping.", "epochs", "snapshots", "snapshotEvery", "objective", "k", "tau", "similarity",
                "phase1", "precision");
        int epochs = SpecFields.or(fields.integer(node, "epochs", "grouping.", 1, 1000), d.epochs());
        int snapshots = SpecFields.or(fields.integer(node, "snapshots", "grouping.", 1, 1000), d.snapshots());
        int every = SpecFields.or(fields.integer(node, "snapshotEvery", "grouping.", 0, 1_000_000), d.snapshotEvery());
        String objective = fields.choice(node, "objective", "grouping.", d.objective(),
                Set.copyOf(GroupingObjective.NAMES), "one of " + GroupingObjective.NAMES);
        Integer k = fields.present(node, "k") ? fields.integer(node, "k", "grouping.", 1, 64) : null;
        if (objective.equals("k") && k == null && !fields.present(node, "k")) {
            fields.error("grouping.k", "objective k needs the number of groups k");
        }
        if (k != null && taskCount > 0 && k > taskCount) {
            fields.error("grouping.k", k + " groups cannot be made of " + taskCount + " tasks");
        }
        Double tau = fields.present(node, "tau") ? fields.number(node, "tau", "grouping.") : null;
        String tauProblem = GroupingObjective.tauProblem(tau);
        if (tauProblem != null) {
            fields.error("grouping.tau", tauProblem);
        }
        if (tau != null && objective.equals("mean-centred")) {
            fields.error("grouping.tau", "objective mean-centred computes tau from the affinities; drop tau or use objective threshold");
        }
        String similarity = d.similarity();
        if (fields.present(node, "similarity")) {
            String s = SpecFields.lower(fields.text(node, "similarity", "grouping."));
            try {
                if (s != null) {
                    GradientSimilarity.valueOf(s.toUpperCase(Locale.ROOT));
                    similarity = s;
                }
            } catch (IllegalArgumentException e) {
                fields.error("grouping.similarity", "'" + s + "' must be cosine or dot");
            }
        }
        String phase1 = fields.choice(node, "phase1", "grouping.", d.phase1(),
                Set.of(GroupingSpec.FIRST_SEED, GroupingSpec.PER_SEED), "first-seed (one phase 1 and one "
                        + "partition for every seed) or per-seed (a phase 1 and a partition per seed)");
        String precision = fields.choice(node, "precision", "grouping.", d.precision(),
                Set.of(Recipe.FP32, Recipe.BF16), "fp32 or bf16 (phase 1's precision; leave it out to take "
                        + "the recipe's)");
        return new GroupingSpec(epochs, snapshots, every, objective, k, tau, similarity, phase1, precision);
    }
}
