package org.mmapmtl.train;

/**
 * The paper's learning-rate curve as Dassl runs it for MaPLe's configurations: the first {@code warmupEpochs} epochs
 * at the constant {@code warmupLearningRate}, then cosine annealing stepped once per epoch with the period set to
 * the full number of epochs, counted from the end of the warm-up: in epoch e ≥ w the rate is
 * ½·lr·(1 + cos(π·(e − w)/E)). With 5 epochs and one warm-up epoch that is 1e-5, then 1.0, 0.905, 0.655, 0.345 × lr;
 * the rate never reaches zero and is constant within an epoch.
 */
public record LearningRateSchedule(double learningRate, double warmupLearningRate, int warmupEpochs, int epochs,
                                   long stepsPerEpoch) {

    public LearningRateSchedule {
        if (epochs < 1 || warmupEpochs < 0 || warmupEpochs >= epochs && warmupEpochs > 0 || stepsPerEpoch < 1) {
            throw new IllegalArgumentException("need 0 <= warm-up epochs < epochs and at least one step per epoch, got "
                    + warmupEpochs + " of " + epochs + " epochs, " + stepsPerEpoch + " steps per epoch");
        }
    }

    public double at(long step) {
        return ofEpoch(step / stepsPerEpoch);
    }

    public double ofEpoch(long epoch) {
        if (epoch < warmupEpochs) {
            return warmupLearningRate;
        }
        return 0.5 * learningRate * (1 + Math.cos(Math.PI * (epoch - warmupEpochs) / epochs));
    }
}
