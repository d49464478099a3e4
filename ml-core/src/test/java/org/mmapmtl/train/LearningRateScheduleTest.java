package org.mmapmtl.train;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LearningRateScheduleTest {

    /**
     * Dassl's scheduler as it runs, step by step: {@code ConstantWarmupScheduler} around PyTorch's chainable
     * {@code CosineAnnealingLR(T_max = max_epoch)}, both stepped after every epoch (Dassl's {@code after_epoch}).
     * Returns the rate in force during each epoch.
     */
    private static double[] dassl(double baseLr, double warmupLr, int warmupEpochs, int maxEpochs) {
        double[] perEpoch = new double[maxEpochs];
        double lr = baseLr; // CosineAnnealingLR's constructor step: last_epoch 0 keeps the base rate
        int cosineEpoch = 0;
        int warmupEpoch = 0;
        if (warmupEpochs > 0) {
            lr = warmupLr; // the warm-up scheduler's constructor step
        }
        for (int epoch = 0; epoch < maxEpochs; epoch++) {
            perEpoch[epoch] = lr;
            if (warmupEpoch >= warmupEpochs) {
                cosineEpoch++; // successor.step(): the chainable form multiplies the current rate
                lr = (1 + Math.cos(Math.PI * cosineEpoch / maxEpochs)) / (1 + Math.cos(Math.PI * (cosineEpoch - 1) / maxEpochs)) * lr;
            } else {
                warmupEpoch++;
                lr = warmupEpoch >= warmupEpochs ? baseLr : warmupLr; // hands over at the successor's epoch 0
            }
        }
        return perEpoch;
    }

    @Test
    void followsDasslPerEpochForThePapersRecipe() {
        LearningRateSchedule schedule = new LearningRateSchedule(0.0035, 1e-5, 1, 5, 7);
        double[] expected = dassl(0.0035, 1e-5, 1, 5);
        for (int epoch = 0; epoch < 5; epoch++) {
            for (int step = 0; step < 7; step++) {
                assertThat(schedule.at(epoch * 7L + step)).as("epoch %d step %d", epoch, step).isCloseTo(expected[epoch], within(1e-12));
            }
        }
        // the figures: 1e-5 for the warm-up epoch, then 1.0, 0.905, 0.655, 0.345 × lr
        assertThat(expected[0]).isEqualTo(1e-5);
        double[] ratios = {1.0, 0.904508, 0.654508, 0.345492};
        for (int e = 1; e < 5; e++) {
            assertThat(expected[e] / 0.0035).isCloseTo(ratios[e - 1], within(1e-6));
        }
    }

    @Test
    void followsDasslForOtherLengthsAndWithoutWarmUp() {
        for (int epochs : new int[] {1, 2, 3, 10, 50}) {
            for (int warmup : new int[] {0, 1, 2}) {
                if (warmup >= epochs && warmup > 0) {
                    continue;
                }
                LearningRateSchedule schedule = new LearningRateSchedule(0.002, 1e-5, warmup, epochs, 3);
                double[] expected = dassl(0.002, 1e-5, warmup, epochs);
                for (int e = 0; e < epochs; e++) {
                    assertThat(schedule.ofEpoch(e)).as("%d epochs, %d warm-up, epoch %d", epochs, warmup, e)
                            .isCloseTo(expected[e], within(1e-12));
                }
            }
        }
    }

    @Test
    void refusesAWarmUpThatLeavesNoTraining() {
        assertThatThrownBy(() -> new LearningRateSchedule(0.1, 1e-5, 5, 5, 10)).hasMessageContaining("warm-up epochs < epochs");
        assertThatThrownBy(() -> new LearningRateSchedule(0.1, 1e-5, 0, 5, 0)).hasMessageContaining("step per epoch");
    }
}
