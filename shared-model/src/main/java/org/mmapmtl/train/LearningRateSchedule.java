package org.mmapmtl.train;

/**
 * Constant warm-up, then cosine decay to zero over the remaining steps: lr(s) = ½·lr·(1 + cos(π·(s − w)/(T − w))).
 * Dassl steps the cosine once per epoch; we step it per batch, which follows the same curve without the stairs.
 */
public record LearningRateSchedule(double learningRate, double warmupLearningRate, long warmupSteps, long totalSteps) {

    public LearningRateSchedule {
        if (totalSteps < 1 || warmupSteps < 0 || warmupSteps >= totalSteps && warmupSteps > 0) {
            throw new IllegalArgumentException("need 0 <= warm-up steps < total steps, got " + warmupSteps + " of " + totalSteps);
        }
    }

    public double at(long step) {
        if (step < warmupSteps) {
            return warmupLearningRate;
        }
        double progress = (double) (step - warmupSteps) / (totalSteps - warmupSteps);
        return 0.5 * learningRate * (1 + Math.cos(Math.PI * progress));
    }
}
