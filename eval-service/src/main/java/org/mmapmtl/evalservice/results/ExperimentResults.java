package org.mmapmtl.evalservice.results;

import org.mmapmtl.eval.ResultsTable;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.experiment.DatasetSpec;
import org.mmapmtl.experiment.Recipe;
import org.mmapmtl.experiment.RunSpec;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The table of an experiment (final epochs, phase 1 left out) and a page of the checkpoints received for it.
 *
 * @param recipe           how the table's runs trained (from their checkpoints' run specs; null before the first)
 * @param checkpoints      a page of the experiment's checkpoints (all of them where no page was asked for)
 * @param checkpointsTotal how many checkpoints the experiment has in all
 * @param checkpointStatus how many of them are pending, evaluating, done and failed
 * @param chance           per task, the accuracy of a uniform guess (1 / its classes), for the tasks scored so far
 * @param notes            the caption's sentences on how the groups were decided and where imported rows come from
 */
public record ExperimentResults(String experimentId, DatasetSpec dataset, Recipe recipe, List<String> tasks,
                                List<ResultsTable.Row> rows, List<ExperimentResults.CheckpointView> checkpoints,
                                long checkpointsTotal, Map<String, Long> checkpointStatus, Map<String, Double> chance,
                                List<String> notes) {
    /**
     * @param evaluated whether this checkpoint has been scored on the test splits
     * @param status    pending, evaluating, done or failed
     * @param accuracy  per task, once evaluated
     */
    public record CheckpointView(String runId, String method, String variant, long seed, int epoch, boolean finalEpoch,
                                 String uri, long trainableParams, List<String> tasks, List<List<String>> groups,
                                 boolean evaluated, String status, String error, Map<String, Double> accuracy,
                                 Instant receivedAt) {
    }

    /** Scores what was received of the experiment into its table, with a view of every checkpoint. */
    public static ExperimentResults of(String experimentId, List<ReceivedCheckpoint> received) {
        Map<String, Long> byStatus = new java.util.TreeMap<>();
        received.forEach(r -> byStatus.merge(r.status, 1L, Long::sum));
        return of(experimentId, received, received, received.size(), byStatus);
    }

    /**
     * Scores the experiment's runs into its table and views a page of its checkpoints.
     *
     * @param runs  what the table is made of: each run's newest checkpoint suffices (its final epoch once trained),
     *              older epochs change nothing
     * @param shown the page of checkpoints to view
     */
    public static ExperimentResults of(String experimentId, List<ReceivedCheckpoint> runs, List<ReceivedCheckpoint> shown,
                                       long total, Map<String, Long> byStatus) {
        List<CheckpointView> views = new ArrayList<>();
        for (ReceivedCheckpoint r : shown) {
            views.add(view(r, accuracies(r, null)));
        }
        List<ResultsTable.RunScore> finals = new ArrayList<>();
        Map<String, Double> chance = new LinkedHashMap<>();
        Map<String, ResultsTable.Outstanding> unsettled = new LinkedHashMap<>(); // by run: trained, final not scored
        java.util.Set<String> settled = new java.util.HashSet<>();
        LinkedHashSet<String> tasks = new LinkedHashSet<>();
        DatasetSpec dataset = null;
        Recipe recipe = null;
        String phase1 = null;
        String phase1Precision = null;
        Map<String, String> imported = new java.util.TreeMap<>(); // row → file
        for (ReceivedCheckpoint r : runs) {
            Checkpoint c = r.checkpoint();
            if (c.runSpec() != null && dataset == null) {
                dataset = c.runSpec().dataset();
                tasks.addAll(dataset.tasks());
            }
            tasks.addAll(c.tasks());
            Map<String, Double> accuracy = accuracies(r, chance);
            if (RunSpec.PHASE_1.equals(r.stage)) {
                if (c.runSpec() != null) {
                    phase1Precision = c.runSpec().recipe().precision();
                }
                continue;
            }
            if (c.runSpec() != null) {
                RunSpec run = c.runSpec();
                if (recipe == null && run.trains()) {
                    recipe = run.recipe(); // not an imported run's: it was trained elsewhere, however
                }
                if (phase1 == null && run.phase1() != null) {
                    phase1 = run.phase1();
                }
                if (run.imported() != null) {
                    imported.put(run.variant(), java.nio.file.Path.of(run.imported()).getFileName().toString());
                }
            }
            String method = r.variant == null ? r.method : r.variant;
            unsettled.putIfAbsent(r.runId, new ResultsTable.Outstanding(method, r.seed));
            if (r.finalEpoch && (ReceivedCheckpoint.DONE.equals(r.status) || ReceivedCheckpoint.FAILED.equals(r.status))) {
                settled.add(r.runId); // scored, or never to be: either way nothing more will come for this run
            }
            if (r.finalEpoch && ReceivedCheckpoint.DONE.equals(r.status)) {
                finals.add(new ResultsTable.RunScore(method, r.seed, r.runId, accuracy, r.trainableParams));
            }
        }
        settled.forEach(unsettled::remove);
        List<String> taskList = List.copyOf(tasks);
        ResultsTable.Table table = ResultsTable.of(taskList, List.of(), finals, List.copyOf(unsettled.values()));
        List<String> notes = new ArrayList<>();
        if (phase1 != null) {
            notes.add(org.mmapmtl.experiment.GroupingSpec.PER_SEED.equals(phase1)
                    ? "Groups decided per seed: each seed's own phase 1 and partition (grouping.phase1: per-seed)."
                    : "Groups decided once, by a phase 1 with the first seed, and used by every seed (grouping.phase1: "
                    + "first-seed).");
        }
        if (phase1Precision != null && recipe != null && !phase1Precision.equals(recipe.precision())) {
            notes.add("Phase 1, which decided the groups, ran in " + phase1Precision + "; the runs in the table trained in "
                    + recipe.precision() + " (grouping.precision: " + phase1Precision + ").");
        }
        imported.forEach((row, file) -> notes.add(row + ": prompts trained elsewhere, imported from " + file
                + " and scored without training."));
        return new ExperimentResults(experimentId, dataset, recipe, taskList, table.rows(), views, total,
                Map.copyOf(byStatus), Map.copyOf(chance), List.copyOf(notes));
    }

    /** Per task, the checkpoint's accuracy once scored; each task's chance level is noted in {@code chance} if given. */
    private static Map<String, Double> accuracies(ReceivedCheckpoint r, Map<String, Double> chance) {
        Map<String, Double> accuracy = new LinkedHashMap<>();
        if (ReceivedCheckpoint.DONE.equals(r.status)) {
            for (TaskScore s : TaskScore.of(r.id)) {
                accuracy.put(s.task, s.accuracy);
                if (chance != null) {
                    chance.computeIfAbsent(s.task, t -> 1.0 / Math.max(1, s.metrics().classes().size()));
                }
            }
        }
        return accuracy;
    }

    private static CheckpointView view(ReceivedCheckpoint r, Map<String, Double> accuracy) {
        Checkpoint c = r.checkpoint();
        return new CheckpointView(r.runId, r.method, r.variant, r.seed, r.epoch, r.finalEpoch, r.uri, r.trainableParams,
                c.tasks(), c.groups(), ReceivedCheckpoint.DONE.equals(r.status), r.status, r.error, accuracy, r.receivedAt);
    }

    /** The table the formats render: rows, and the chance level of each task. */
    public ResultsTable.Table table() {
        return new ResultsTable.Table(tasks, rows, chance, recipe == null ? null : recipe.describe(), notes);
    }
}
