package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * QuickGELU as libtorch's SiLU computes x·σ(1.702·x), and its gradient, as the three ops of its fallback do; the
 * fallback itself is held to the formula on a few hand-checked values.
 */
class QuickGeluTest {

    @Test
    void matchesTheThreeOpsForwardAndBackward() {
        assertThat(QuickGelu.fused()).as("the PyTorch engine compiles the SiLU module").isTrue();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            m.getEngine().setRandomSeed(5);
            NDArray x = m.randomNormal(0, 3, new Shape(4, 6, 32), ai.djl.ndarray.types.DataType.FLOAT32);
            TwoPasses.Pass fused = TwoPasses.run(List.of(x), in -> QuickGelu.apply(in.get(0)));
            TwoPasses.Pass reference = TwoPasses.run(List.of(x), in -> QuickGelu.threeOps(in.get(0)));
            TwoPasses.assertClose("output", fused.output(), reference.output(), 1e-6f);
            assertThat(reference.gradient(0).abs().max().getFloat()).isGreaterThan(1e-3f);
            TwoPasses.assertClose("gradient", fused.gradient(0), reference.gradient(0), 1e-6f);
        }
    }

    @Test
    void fallbackIsTheFormula() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            float[] xs = {-3f, -0.5f, 0f, 0.25f, 2f};
            float[] got = QuickGelu.threeOps(m.create(xs)).toFloatArray();
            for (int i = 0; i < xs.length; i++) {
                double want = xs[i] / (1 + Math.exp(-1.702 * xs[i]));
                assertThat((double) got[i]).as("x = %s", xs[i]).isCloseTo(want, within(1e-6));
            }
        }
    }
}
