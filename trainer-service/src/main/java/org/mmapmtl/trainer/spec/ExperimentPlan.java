package org.mmapmtl.trainer.spec;

import org.mmapmtl.experiment.ExperimentSpec;
import org.mmapmtl.experiment.GroupingSpec;
import org.mmapmtl.experiment.PromptSettings;
import org.mmapmtl.experiment.Recipe;
import org.mmapmtl.experiment.RunSpec;
import org.mmapmtl.experiment.Variant;

import org.mmapmtl.grouping.AffinityMatrix;
import org.mmapmtl.grouping.GroupingObjective;
import org.mmapmtl.grouping.Partition;
import org.mmapmtl.grouping.PartitionSearch;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Turns an experiment spec into runs: phase 1 (one global MmAP over every task, streaming gradient
 * snapshots) when a method needs the partition; every method that needs no partition as one run per seed; and,
 * once the partition is known, one run per group and seed for each method that needs it. Groups share no
 * parameters, so each group is its own run and can train on another trainer. Pure: the same spec and partition
 * always give the same runs, with the same ids.
 */
public final class ExperimentPlan {
    public static final String PHASE_1_METHOD = "mmap-mt";

    private ExperimentPlan() {
    }

    /**
     * Prompts trained elsewhere, as the trainer read them from their checkpoint: the method and prompt sizes their
     * runs are scored with.
     *
     * @param name   the row name the spec gave them
     * @param file   the checkpoint file, resolved
     */
    public record ImportedPrompt(String name, String file, String method, PromptSettings prompt) {
    }

    /** The runs that can start at once, for a spec that imports nothing. */
    public static List<RunSpec> initialRuns(ExperimentSpec spec) {
        return initialRuns(spec, List.of());
    }

    /**
     * The runs that can start at once; each imported checkpoint is a run per seed, scored on that seed's split.
     *
     * @param spec     a spec whose dataset tasks and snapshot interval are resolved ({@link #withSnapshotsSpread})
     * @param imported what the spec's {@code imported} files hold, in the spec's order
     */
    public static List<RunSpec> initialRuns(ExperimentSpec spec, List<ImportedPrompt> imported) {
        if (imported.size() != spec.imported().size()) {
            throw new IllegalArgumentException("plan a spec with its " + spec.imported().size() + " imported file(s) read");
        }
        List<String> tasks = tasks(spec);
        List<RunSpec> runs = new ArrayList<>();
        if (spec.needsPartition()) {
            GroupingSpec g = spec.grouping();
            for (long seed : g.perSeed() ? spec.seeds() : List.of(spec.seeds().get(0))) {
                runs.add(run(spec, spec.id() + ".phase1" + (g.perSeed() ? ".s" + seed : ""), "phase-1", RunSpec.PHASE_1,
                        PHASE_1_METHOD, seed, tasks, List.of(tasks), g.phase1Recipe(spec.recipe()),
                        g.snapshotEvery(), g.snapshots()).withPhase1(g.phase1()));
            }
        }
        for (Variant v : spec.variants()) {
            if (v.needsPartition()) {
                continue;
            }
            if (v.kind() == Variant.Kind.EACH_TASK) {
                for (long seed : spec.seeds()) {
                    for (int t = 0; t < tasks.size(); t++) {
                        List<String> one = List.of(tasks.get(t));
                        runs.add(run(spec, runId(spec, v, seed, t), v.name(), RunSpec.SINGLE, v.method().name(), seed,
                                one, List.of(one), spec.recipe(), 0, 0));
                    }
                }
                continue;
            }
            for (long seed : spec.seeds()) {
                String method = v.kind() == Variant.Kind.ALL_IN_ONE ? v.method().name() : v.name();
                runs.add(run(spec, runId(spec, v, seed, -1), v.name(), RunSpec.SINGLE, method, seed, tasks,
                        List.of(tasks), spec.recipe(), 0, 0));
            }
        }
        for (ImportedPrompt p : imported) {
            if (!spec.imported().containsKey(p.name())) {
                throw new IllegalArgumentException("the spec imports no '" + p.name() + "'; it imports " + spec.imported().keySet());
            }
            for (long seed : spec.seeds()) {
                runs.add(new RunSpec(spec.id(), spec.id() + "." + p.name() + ".s" + seed, p.name(), RunSpec.IMPORTED,
                        p.method(), seed, tasks, List.of(tasks), spec.dataset(), spec.weights(), null, null, spec.recipe(),
                        p.prompt(), 0, 0, spec.device(), null, p.file()));
            }
        }
        return runs;
    }

    /** The runs of the methods that wait for the partition, once it is decided: every seed's. */
    public static List<RunSpec> partitionedRuns(ExperimentSpec spec, List<List<String>> partition) {
        return partitionedRuns(spec, partition, spec.seeds());
    }

    /** The runs of the given seeds that wait for the partition (with {@code grouping.phase1: per-seed}, one seed's). */
    public static List<RunSpec> partitionedRuns(ExperimentSpec spec, List<List<String>> partition, List<Long> seeds) {
        List<String> tasks = tasks(spec);
        List<RunSpec> runs = new ArrayList<>();
        for (Variant v : spec.variants()) {
            if (!v.needsPartition()) {
                continue;
            }
            for (long seed : seeds) {
                List<List<String>> groups = v.kind() == Variant.Kind.RANDOM ? randomPartition(tasks, partition, seed) : partition;
                for (int g = 0; g < groups.size(); g++) {
                    List<String> members = groups.get(g);
                    String method = v.kind() == Variant.Kind.GROUP_ONLY ? v.method().family().label() + "-mt" : v.method().name();
                    runs.add(run(spec, runId(spec, v, seed, g), v.name(), RunSpec.PHASE_2, method, seed, members,
                            List.of(members), spec.recipe(), 0, 0).withPhase1(spec.grouping().phase1()));
                }
            }
        }
        return runs;
    }

    /**
     * The random-grouping ablation: groups of the decided sizes, members drawn by the run's seed (the same seed
     * always gives the same groups), listed in the order of the tasks. A draw that repeats the decided groups is
     * drawn again (from seeds derived from the run's) while another partition of those sizes exists: an ablation
     * that trains the decided groups again compares nothing.
     */
    public static List<List<String>> randomPartition(List<String> tasks, List<List<String>> decided, long seed) {
        List<Integer> sizes = decided.stream().map(List::size).sorted(Comparator.reverseOrder()).toList();
        double[][] none = new double[tasks.size()][tasks.size()];
        for (int i = 0; i < tasks.size(); i++) {
            none[i][i] = 1;
        }
        AffinityMatrix blank = new AffinityMatrix(tasks, none);
        java.util.Set<java.util.Set<String>> decidedSets = asSets(decided);
        List<List<String>> drawn = null;
        for (int attempt = 0; attempt < 64; attempt++) {
            long s = attempt == 0 ? seed : seed * 1_000_003L + attempt;
            drawn = PartitionSearch.solve(blank, new GroupingObjective.RandomGroups(s, sizes),
                    PartitionSearch.Options.defaults()).named(tasks);
            if (!asSets(drawn).equals(decidedSets)) {
                return drawn;
            }
        }
        return drawn; // the sizes allow no other partition (one group of all tasks, or all singletons)
    }

    private static java.util.Set<java.util.Set<String>> asSets(List<List<String>> groups) {
        java.util.Set<java.util.Set<String>> out = new java.util.HashSet<>();
        groups.forEach(g -> out.add(new java.util.HashSet<>(g)));
        return out;
    }

    /**
     * The spec with the snapshot interval resolved: {@code snapshotEvery} 0 spreads the snapshots evenly over phase
     * 1's steps. Refuses snapshots that do not fit in phase 1.
     *
     * @param phase1Steps the steps of phase 1 (its epochs × the steps of one epoch on this dataset and batch size)
     */
    public static ExperimentSpec withSnapshotsSpread(ExperimentSpec spec, long phase1Steps) {
        GroupingSpec g = spec.grouping();
        if (!spec.needsPartition()) {
            return spec;
        }
        int every = g.snapshotEvery() > 0 ? g.snapshotEvery() : (int) Math.max(1, phase1Steps / g.snapshots());
        if ((long) every * g.snapshots() > phase1Steps) {
            throw new InvalidSpecException(List.of(new SpecError("grouping.snapshots", g.snapshots() + " snapshots every "
                    + every + " steps need " + (long) every * g.snapshots() + " steps, but phase 1 has " + phase1Steps
                    + " (" + g.epochs() + " epoch(s)); take fewer snapshots, snapshot more often or raise grouping.epochs")));
        }
        return spec.withGrouping(g.withSnapshotEvery(every));
    }

    /**
     * The id under which a phase 1 sends its gradient snapshots and the grouping service answers with its partition:
     * the experiment's, or with {@code grouping.phase1: per-seed} the experiment's and the seed's ({@code id.s2}).
     */
    public static String groupingKey(ExperimentSpec spec, long seed) {
        return spec.grouping().perSeed() ? spec.id() + ".s" + seed : spec.id();
    }

    /** The seed a per-seed grouping key names ({@code id.s2} of experiment {@code id}), or null if it names none. */
    public static Long seedOfGroupingKey(String experimentId, String key) {
        String prefix = experimentId + ".s";
        if (!key.startsWith(prefix)) {
            return null;
        }
        try {
            return Long.parseLong(key.substring(prefix.length()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String runId(ExperimentSpec spec, Variant v, long seed, int group) {
        return spec.id() + "." + v.name() + ".s" + seed + (group >= 0 ? ".g" + group : "");
    }

    private static RunSpec run(ExperimentSpec spec, String runId, String variant, String stage, String method, long seed,
                               List<String> tasks, List<List<String>> groups, Recipe recipe, int snapshotEvery, int snapshots) {
        return new RunSpec(spec.id(), runId, variant, stage, method, seed, tasks, groups, spec.dataset(), spec.weights(),
                null, null, recipe, spec.prompt(), snapshotEvery, snapshots, spec.device());
    }

    private static List<String> tasks(ExperimentSpec spec) {
        if (spec.id() == null || spec.dataset().tasks().isEmpty()) {
            throw new IllegalArgumentException("plan a spec with its id and tasks resolved");
        }
        return spec.dataset().tasks();
    }
}
