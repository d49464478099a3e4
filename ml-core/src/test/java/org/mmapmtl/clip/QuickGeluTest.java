package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

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
            NDArray[] outs = new NDArray[2];
            NDArray[] grads = new NDArray[2];
            for (int pass = 0; pass < 2; pass++) {
                NDArray leaf = x.duplicate();
                leaf.setRequiresGradient(true);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray out = pass == 0 ? QuickGelu.apply(leaf) : QuickGelu.threeOps(leaf);
                    // a weighted sum, so every output element's gradient differs
                    collector.backward(out.mul(m.arange(0f, out.size()).reshape(out.getShape()).div(out.size())).sum());
                    outs[pass] = out.duplicate();
                }
                grads[pass] = leaf.getGradient().duplicate();
            }
            float scale = outs[1].abs().max().getFloat();
            assertThat(outs[0].sub(outs[1]).abs().max().getFloat()).isLessThan(1e-6f * scale);
            assertThat(grads[1].abs().max().getFloat()).isGreaterThan(1e-3f);
            assertThat(grads[0].sub(grads[1]).abs().max().getFloat())
                    .isLessThan(1e-6f * grads[1].abs().max().getFloat());
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
