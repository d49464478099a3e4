package org.mmapmtl.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The global norm of several gradients together; above the maximum all of them shrink by one factor. */
class GradientClippingTest {

    @Test
    void shortensTheWholeGradientToTheMaximumAndLeavesAShorterOneAlone() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray a = m.create(new float[] {3, 0});
            NDArray b = m.create(new float[][] {{0, 0}, {4, 0}});
            assertThat(GradientClipping.norm(List.of(a, b))).isCloseTo(5, within(1e-9));
            GradientClipping.Clip clip = GradientClipping.clip(List.of(a, b), 2.5);
            assertThat(clip.norm()).as("the norm before").isCloseTo(5, within(1e-9));
            assertThat(clip.scaled()).isTrue();
            assertThat(a.toFloatArray()).containsExactly(new float[] {1.5f, 0}, org.assertj.core.data.Offset.offset(1e-6f));
            assertThat(b.toFloatArray()).containsExactly(new float[] {0, 0, 2f, 0}, org.assertj.core.data.Offset.offset(1e-6f));
            assertThat(GradientClipping.norm(List.of(a, b))).isCloseTo(2.5, within(1e-5));

            NDArray c = m.create(new float[] {0.3f, -0.4f});
            GradientClipping.Clip unclipped = GradientClipping.clip(List.of(c), 1);
            assertThat(unclipped.norm()).isCloseTo(0.5, within(1e-7));
            assertThat(unclipped.scaled()).isFalse();
            assertThat(c.toFloatArray()).containsExactly(0.3f, -0.4f);
        }
    }

    /** Scaling by max / ∞ would turn every gradient into NaN; the step stops the run on the norm instead. */
    @Test
    void anInfiniteNormScalesNothing() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray g = m.create(new float[] {Float.POSITIVE_INFINITY, 1});
            GradientClipping.Clip clip = GradientClipping.clip(List.of(g), 1);
            assertThat(clip.norm()).isInfinite();
            assertThat(clip.scaled()).isFalse();
            assertThat(g.toFloatArray()).containsExactly(Float.POSITIVE_INFINITY, 1);
        }
    }
}
