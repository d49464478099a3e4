package org.mmapmtl.events;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One task's flattened gradient of the shared prompt parameters at one snapshot of phase 1 (topic mmap.gradients).
 * Natural key: (experimentId, task, snapshot).
 *
 * @param tasks     every task of the experiment in a fixed order; the affinity matrix follows this order
 * @param snapshot  0-based index of this snapshot
 * @param snapshots how many snapshots the trainer will send per task
 * @param grouping  from version 1.1: how the experiment asks for its partition to be chosen; null = the grouping
 *                  service's own configuration
 */
public record GradientSnapshot(String experimentId, String task, List<String> tasks, int snapshot, int snapshots,
                               long step, float[] gradient, Grouping grouping) {

    /**
     * The experiment's grouping settings, carried by every snapshot so that the grouping service decides each
     * experiment as it was submitted.
     *
     * @param objective  threshold, mean-centred, k, all-in-one or singletons
     * @param k          number of groups for objective k
     * @param tau        τ subtracted per pair; null = the objective's default
     * @param similarity cosine or dot
     */
    public record Grouping(String objective, Integer k, Double tau, String similarity) {
        public Grouping {
            List<String> objectives = List.of("threshold", "mean-centred", "k", "all-in-one", "singletons");
            if (!objectives.contains(objective)) {
                throw new EventFormatException("grouping objective '" + objective + "' must be one of " + objectives);
            }
            if ("mean-centred".equals(objective) && tau != null) {
                throw new EventFormatException("grouping objective mean-centred computes tau from the affinities; "
                        + "a tau (" + tau + ") cannot go with it");
            }
            if (!List.of("cosine", "dot").contains(similarity)) {
                throw new EventFormatException("grouping similarity '" + similarity + "' must be cosine or dot");
            }
            if (k != null && k < 1 || objective.equals("k") && k == null) {
                throw new EventFormatException("grouping k must be >= 1 (and is needed by objective k), got " + k);
            }
            if (tau != null) {
                Checks.finite("grouping tau", tau);
            }
        }
    }

    /** A 1.0 snapshot: the grouping service's configuration decides. */
    public GradientSnapshot(String experimentId, String task, List<String> tasks, int snapshot, int snapshots, long step,
                            float[] gradient) {
        this(experimentId, task, tasks, snapshot, snapshots, step, gradient, null);
    }

    public GradientSnapshot {
        Checks.id("experiment", experimentId);
        tasks = Checks.taskList("tasks", tasks);
        Checks.text("task", task);
        if (!tasks.contains(task)) {
            throw new EventFormatException("task '" + task + "' is not one of tasks " + tasks);
        }
        if (snapshots < 1) {
            throw new EventFormatException("snapshots must be >= 1, got " + snapshots);
        }
        if (snapshot < 0 || snapshot >= snapshots) {
            throw new EventFormatException("snapshot " + snapshot + " is outside 0.." + (snapshots - 1));
        }
        if (step < 0) {
            throw new EventFormatException("step must be >= 0, got " + step);
        }
        Objects.requireNonNull(gradient, "gradient");
        if (gradient.length == 0) {
            throw new EventFormatException("gradient is empty");
        }
        for (int i = 0; i < gradient.length; i++) {
            if (!Float.isFinite(gradient[i])) {
                throw new EventFormatException("gradient[" + i + "] is " + gradient[i]
                        + ": a diverged step cannot be compared; lower the learning rate");
            }
        }
    }

    @Override
    public float[] gradient() {
        return gradient.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GradientSnapshot g && g.experimentId.equals(experimentId) && g.task.equals(task)
                && g.tasks.equals(tasks) && g.snapshot == snapshot && g.snapshots == snapshots && g.step == step
                && Arrays.equals(g.gradient, gradient) && Objects.equals(g.grouping, grouping);
    }

    @Override
    public int hashCode() {
        return Objects.hash(experimentId, task, tasks, snapshot, snapshots, step, grouping) * 31 + Arrays.hashCode(gradient);
    }

    @Override
    public String toString() {
        return "GradientSnapshot[" + experimentId + " " + task + " " + snapshot + "/" + snapshots + " step " + step
                + ", " + gradient.length + " values]";
    }
}
