package org.mmapmtl.train;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchPlanTest {
    private static final List<String> TASKS = List.of("clipart", "painting", "sketch");
    private static final int[] SIZES = {40, 10, 22};

    private static List<Integer> drawn(BatchPlan plan, int task, long fromStep, long steps) {
        List<Integer> all = new ArrayList<>();
        for (long s = fromStep; s < fromStep + steps; s++) {
            for (int i : plan.batch(task, s)) {
                all.add(i);
            }
        }
        return all;
    }

    @Test
    void perTaskEveryTaskStepsEveryTimeAndTheLargestSeesItsImagesOncePerEpoch() {
        BatchPlan plan = new BatchPlan(7, TASKS, SIZES, 8);
        assertThat(plan.stepsPerEpoch()).isEqualTo(5);
        for (long s = 0; s < 12; s++) {
            assertThat(plan.batch(0, s)).hasSize(8);
            assertThat(plan.batch(1, s)).hasSize(8);
        }
        assertThat(drawn(plan, 0, 0, 5)).containsExactlyInAnyOrderElementsOf(range(40));
        // the small task goes round its shuffled order repeatedly: every image once in each 10 draws
        List<Integer> painting = drawn(plan, 1, 0, 5);
        for (int pass = 0; pass < 4; pass++) {
            assertThat(painting.subList(pass * 10, pass * 10 + 10)).containsExactlyInAnyOrderElementsOf(range(10));
        }
        assertThat(painting.subList(0, 10)).isNotEqualTo(painting.subList(10, 20)); // reshuffled each pass
    }

    @Test
    void mixedStepsDrawFromAllTasksByTheirSizeAndAnEpochSeesEveryImageOnce() {
        BatchPlan plan = new BatchPlan(7, TASKS, SIZES, 4, BatchPlan.Sampling.MIXED);
        int total = Arrays.stream(SIZES).sum();
        assertThat(plan.stepsPerEpoch()).isEqualTo(6);
        for (long s = 0; s < 30; s++) {
            int sum = 0;
            for (int t = 0; t < 3; t++) {
                sum += plan.batch(t, s).length;
            }
            assertThat(sum).isEqualTo(12);
        }
        // the first epoch (72 images, 12 per step) is one shuffled pass over every image of every task
        for (int t = 0; t < 3; t++) {
            assertThat(drawn(plan, t, 0, 6)).containsExactlyInAnyOrderElementsOf(range(SIZES[t]));
        }
        // over many steps each task's share follows its size (40 : 10 : 22 of 72)
        long steps = 600;
        for (int t = 0; t < 3; t++) {
            double share = drawn(plan, t, 0, steps).size() / (12.0 * steps);
            assertThat(share).isCloseTo(SIZES[t] / (double) total, org.assertj.core.data.Offset.offset(0.01));
        }
        // and a step can leave a task out
        boolean someStepWithoutPainting = false;
        for (long s = 0; s < 60; s++) {
            someStepWithoutPainting |= plan.batch(1, s).length == 0;
        }
        assertThat(someStepWithoutPainting).isTrue();
    }

    @Test
    void thePlanIsAPureFunctionOfItsInputsInAnyOrderOfQuestions() {
        for (BatchPlan.Sampling sampling : BatchPlan.Sampling.values()) {
            BatchPlan a = new BatchPlan(11, TASKS, SIZES, 8, sampling);
            BatchPlan b = new BatchPlan(11, TASKS, SIZES, 8, sampling);
            BatchPlan other = new BatchPlan(12, TASKS, SIZES, 8, sampling);
            // b is asked backwards, as a run resumed at a late step would ask
            for (long s = 40; s >= 0; s--) {
                for (int t = 2; t >= 0; t--) {
                    b.batch(t, s);
                }
            }
            for (long s = 0; s <= 40; s++) {
                for (int t = 0; t < 3; t++) {
                    assertThat(a.batch(t, s)).as("%s step %d task %d", sampling, s, t).containsExactly(b.batch(t, s));
                }
            }
            assertThat(drawn(a, 0, 0, 5)).isNotEqualTo(drawn(other, 0, 0, 5));
        }
    }

    @Test
    void aTaskWithoutImagesAndSnapshotsWithMixedSamplingAreRefused() {
        assertThatThrownBy(() -> new BatchPlan(1, TASKS, new int[] {3, 0, 2}, 4))
                .hasMessageContaining("painting has no training images");
        TrainingConfig grouping = TrainingConfig.paper(1).withSnapshots(10, 5);
        assertThatThrownBy(() -> grouping.withSampling(BatchPlan.Sampling.MIXED))
                .hasMessageContaining("per-task sampling for a grouping run");
    }

    private static List<Integer> range(int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(i);
        }
        return out;
    }
}
