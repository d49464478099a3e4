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
 */
public record GradientSnapshot(String experimentId, String task, List<String> tasks, int snapshot, int snapshots,
                               long step, float[] gradient) {

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
                && Arrays.equals(g.gradient, gradient);
    }

    @Override
    public int hashCode() {
        return Objects.hash(experimentId, task, tasks, snapshot, snapshots, step) * 31 + Arrays.hashCode(gradient);
    }

    @Override
    public String toString() {
        return "GradientSnapshot[" + experimentId + " " + task + " " + snapshot + "/" + snapshots + " step " + step
                + ", " + gradient.length + " values]";
    }
}
