package org.mmapmtl.events;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The grouping service's decision for one experiment (topic mmap.partitions). Natural key: experimentId.
 *
 * @param affinity  n×n mean cosine similarity over snapshots, rows and columns in the order of {@code tasks}
 * @param objective the objective that chose the groups, e.g. {@code threshold(tau=0.12)} or {@code k=2}
 * @param solver    {@code exact} or {@code heuristic}
 */
public record TaskPartition(String experimentId, List<String> tasks, double[][] affinity, List<List<String>> groups,
                            String objective, double score, String solver, int snapshotsUsed, Instant decidedAt) {

    public TaskPartition {
        Checks.id("experimentId", experimentId);
        tasks = Checks.taskList("tasks", tasks);
        if (affinity == null || affinity.length != tasks.size()) {
            throw new EventFormatException("affinity must have one row per task (" + tasks.size() + ")");
        }
        double[][] copy = new double[affinity.length][];
        for (int i = 0; i < affinity.length; i++) {
            if (affinity[i] == null || affinity[i].length != tasks.size()) {
                throw new EventFormatException("affinity row " + i + " must have " + tasks.size() + " entries");
            }
            for (int j = 0; j < affinity[i].length; j++) {
                Checks.finite("affinity[" + i + "][" + j + "]", affinity[i][j]);
            }
            copy[i] = affinity[i].clone();
        }
        affinity = copy;
        groups = Checks.groups(groups, tasks);
        Checks.text("objective", objective);
        Checks.finite("score", score);
        Checks.text("solver", solver);
        Checks.nonNegative("snapshotsUsed", snapshotsUsed);
        Objects.requireNonNull(decidedAt, "decidedAt");
    }

    @Override
    public double[][] affinity() {
        return Arrays.stream(affinity).map(double[]::clone).toArray(double[][]::new);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskPartition p && p.experimentId.equals(experimentId) && p.tasks.equals(tasks)
                && Arrays.deepEquals(p.affinity, affinity) && p.groups.equals(groups) && p.objective.equals(objective)
                && Double.compare(p.score, score) == 0 && p.solver.equals(solver) && p.snapshotsUsed == snapshotsUsed
                && p.decidedAt.equals(decidedAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(experimentId, tasks, groups, objective, score, solver, snapshotsUsed, decidedAt)
                * 31 + Arrays.deepHashCode(affinity);
    }
}
