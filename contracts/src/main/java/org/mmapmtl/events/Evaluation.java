package org.mmapmtl.events;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Accuracy of one checkpoint on each task's test split (topic mmap.evaluations). Natural key: (runId, checkpointUri).
 *
 * @param mean the unweighted mean of the per-task accuracies, as the paper's "Avg" column
 */
public record Evaluation(String experimentId, String runId, String checkpointUri, Map<String, TaskScore> tasks,
                         double mean) {

    /** @param accuracy correct / total, in [0, 1] */
    public record TaskScore(double accuracy, long correct, long total) {
        public TaskScore {
            if (total <= 0 || correct < 0 || correct > total) {
                throw new EventFormatException("a task score needs 0 <= correct <= total and total > 0, got "
                        + correct + "/" + total);
            }
            if (Math.abs(accuracy - (double) correct / total) > 1e-9) {
                throw new EventFormatException("accuracy " + accuracy + " is not correct/total = " + correct + "/" + total);
            }
        }

        public static TaskScore of(long correct, long total) {
            return new TaskScore((double) correct / total, correct, total);
        }
    }

    public Evaluation {
        Checks.id("experimentId", experimentId);
        Checks.id("runId", runId);
        Checks.text("checkpointUri", checkpointUri);
        if (tasks == null || tasks.isEmpty()) {
            throw new EventFormatException("tasks must hold the score of at least one task");
        }
        tasks.forEach((name, score) -> {
            Checks.text("task name", name);
            if (score == null) {
                throw new EventFormatException("task '" + name + "' has no score");
            }
        });
        tasks = Collections.unmodifiableMap(new LinkedHashMap<>(tasks));
        double expectedMean = tasks.values().stream().mapToDouble(TaskScore::accuracy).average().orElseThrow();
        if (Math.abs(mean - expectedMean) > 1e-9) {
            throw new EventFormatException("mean " + mean + " is not the mean of the task accuracies (" + expectedMean + ")");
        }
    }

    public static Evaluation of(String experimentId, String runId, String checkpointUri, Map<String, TaskScore> tasks) {
        double mean = tasks.values().stream().mapToDouble(TaskScore::accuracy).average().orElse(Double.NaN);
        return new Evaluation(experimentId, runId, checkpointUri, tasks, mean);
    }
}
