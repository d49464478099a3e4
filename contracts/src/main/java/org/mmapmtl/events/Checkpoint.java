package org.mmapmtl.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.mmapmtl.experiment.RunSpec;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A trained run's checkpoint, announced for evaluation (topic mmap.checkpoints). Natural key: (runId, epoch).
 *
 * @param groups          the task groups the run trained (one group of all tasks for plain multi-task methods)
 * @param finalEpoch      whether this is the run's last checkpoint, the one the paper's tables report
 * @param uri             where the trainable parameters are (a file: URI under MMAP_ARTIFACTS_DIR)
 * @param sha256          hex SHA-256 of the checkpoint file, checked by the evaluator before loading
 * @param trainableParams the number of trainable parameters, reported next to accuracy as in the paper's Table 1
 * @param runSpec         from version 1.1: the run, enough to rebuild its model, data and test split; null in 1.0
 *                        records
 */
public record Checkpoint(String experimentId, String runId, String method, long seed, List<String> tasks,
                         List<List<String>> groups, int epoch, @JsonProperty("final") boolean finalEpoch, String uri,
                         String sha256, long trainableParams, @JsonInclude(JsonInclude.Include.NON_NULL) RunSpec runSpec) {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    public Checkpoint {
        Checks.id("experimentId", experimentId);
        Checks.id("runId", runId);
        Checks.text("method", method);
        tasks = Checks.taskList("tasks", tasks);
        groups = Checks.groups(groups, tasks);
        Checks.nonNegative("epoch", epoch);
        Checks.text("uri", uri);
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new EventFormatException("sha256 '" + sha256 + "' must be 64 lower-case hex digits");
        }
        if (trainableParams < 0) {
            throw new EventFormatException("trainableParams must be >= 0, got " + trainableParams);
        }
        if (runSpec != null && (!runSpec.runId().equals(runId) || !runSpec.experimentId().equals(experimentId)
                || !runSpec.tasks().equals(tasks))) {
            throw new EventFormatException("runSpec describes run " + runSpec.runId() + " of " + runSpec.experimentId()
                    + " on " + runSpec.tasks() + ", not run " + runId + " of " + experimentId + " on " + tasks);
        }
    }

    /** A 1.0 record: without the run's spec. */
    public Checkpoint(String experimentId, String runId, String method, long seed, List<String> tasks,
                      List<List<String>> groups, int epoch, boolean finalEpoch, String uri, String sha256,
                      long trainableParams) {
        this(experimentId, runId, method, seed, tasks, groups, epoch, finalEpoch, uri, sha256, trainableParams, null);
    }
}
