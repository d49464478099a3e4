package org.mmapmtl.events;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * How a run of an experiment is going (topic mmap.progress): its lifecycle (queued, running, done, failed,
 * cancelled) and, while it trains, step reports at most a few per second. Anyone can follow an experiment from the
 * topic without asking the trainer; the trainer's server-sent events carry the same records.
 *
 * @param runId      null for experiment-wide reports (phase changes)
 * @param phase      the experiment's phase when reported (phase-1, awaiting-partition, phase-2, done, ...)
 * @param state      queued, running, done, failed or cancelled (of the run; of the experiment when runId is null)
 * @param loss       the step's loss (summed over the tasks the step trained): one batch's, so noisy
 * @param epochLoss  the mean loss of the epoch's steps so far; at an epoch's last step, the epoch's mean loss
 * @param taskLosses each task's loss at this step
 * @param uniformLoss the loss a uniform guess gives, summed over the same tasks (ln C per task for C classes): the
 *                   level a run must get below to have learned anything
 * @param gradNorm   the global L2 norm of the step's update gradient (every trained tensor together, all tasks summed),
 *                   before any clipping: the number to read when choosing a recipe's maxGradNorm
 * @param gradClipped whether the step's gradient was scaled down to the recipe's maxGradNorm; null where the recipe
 *                   does not clip
 * @param epochClippedShare the share of the epoch's steps so far (0 to 1) whose gradient was clipped; null where the
 *                   recipe does not clip. Step reports are sent at most a few a second, so this, not the count of
 *                   clipped reports, says whether a run trains clipped most of the time
 * @param etaMillis  estimated time left in the run
 * @param message    what happened, for people (failures carry the reason)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Progress(String experimentId, String runId, String variant, String phase, String state, long step,
                       long totalSteps, int epoch, int epochs, Double loss, Double epochLoss,
                       Map<String, Double> taskLosses, Double uniformLoss,
                       Double learningRate, Double gradNorm, Boolean gradClipped, Double epochClippedShare,
                       Double imagesPerSecond, Long etaMillis, String message, Instant at) {
    public static final Set<String> STATES = Set.of("queued", "running", "done", "failed", "cancelled");

    public Progress {
        Checks.id("experimentId", experimentId);
        if (runId != null) {
            Checks.id("runId", runId);
        }
        if (state == null || !STATES.contains(state)) {
            throw new EventFormatException("state '" + state + "' must be one of " + STATES);
        }
        if (step < 0 || totalSteps < 0 || epoch < 0 || epochs < 0) {
            throw new EventFormatException("step, totalSteps, epoch and epochs must be >= 0");
        }
        taskLosses = taskLosses == null ? null : Map.copyOf(taskLosses);
    }

    public static Progress lifecycle(String experimentId, String runId, String variant, String phase, String state,
                                     String message, Instant at) {
        return new Progress(experimentId, runId, variant, phase, state, 0, 0, 0, 0, null, null, null, null, null, null, null,
                null, null, null, message, at);
    }
}
