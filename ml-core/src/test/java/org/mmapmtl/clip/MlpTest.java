package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The block's MLP with QuickGELU's scalings inside the GEMMs computes what c_fc, QuickGELU and c_proj compute one by
 * one, and the same gradients for the input, both weights and both biases (BitFit and full fine-tuning train them).
 */
class MlpTest {

    @Test
    void matchesTheOpsOneByOneForwardAndBackward() {
        assertThat(Mlp.fused()).as("the PyTorch engine compiles the MLP module").isTrue();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            m.getEngine().setRandomSeed(7);
            int width = 16;
            NDArray x = m.randomNormal(0, 1, new Shape(10, width), DataType.FLOAT32);
            NDArray fc = m.randomNormal(0, 0.3f, new Shape(width, 4 * width), DataType.FLOAT32);
            NDArray fcBias = m.randomNormal(0, 0.3f, new Shape(4 * width), DataType.FLOAT32);
            NDArray proj = m.randomNormal(0, 0.3f, new Shape(4 * width, width), DataType.FLOAT32);
            NDArray projBias = m.randomNormal(0, 0.3f, new Shape(width), DataType.FLOAT32);
            NDArray weights = m.arange(0f, 10f * width).reshape(10, width).div(10f * width);
            NDArray[] outs = new NDArray[2];
            List<List<NDArray>> grads = List.of(new java.util.ArrayList<>(), new java.util.ArrayList<>());
            for (int pass = 0; pass < 2; pass++) {
                List<NDArray> leaves = List.of(x.duplicate(), fc.duplicate(), fcBias.duplicate(), proj.duplicate(),
                        projBias.duplicate());
                leaves.forEach(leaf -> leaf.setRequiresGradient(true));
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray out = pass == 0
                            ? Mlp.applyOrNull(leaves.get(0), leaves.get(1), leaves.get(2), leaves.get(3), leaves.get(4))
                            : oneByOne(leaves.get(0), leaves.get(1), leaves.get(2), leaves.get(3), leaves.get(4));
                    // a weighted sum, so every output element's gradient differs
                    collector.backward(out.mul(weights).sum());
                    outs[pass] = out.duplicate();
                }
                for (NDArray leaf : leaves) {
                    grads.get(pass).add(leaf.getGradient().duplicate());
                }
            }
            assertThat(outs[0].getShape()).isEqualTo(new Shape(10, width));
            assertClose("output", outs[0], outs[1]);
            List<String> names = List.of("x", "c_fc weight", "c_fc bias", "c_proj weight", "c_proj bias");
            for (int i = 0; i < names.size(); i++) {
                assertThat(grads.get(1).get(i).abs().max().getFloat()).as(names.get(i)).isGreaterThan(1e-3f);
                assertClose("gradient of " + names.get(i), grads.get(0).get(i), grads.get(1).get(i));
            }
        }
    }

    private static NDArray oneByOne(NDArray x, NDArray fc, NDArray fcBias, NDArray proj, NDArray projBias) {
        NDArray hidden = Linear.linear(x, fc.transpose(), fcBias).singletonOrThrow();
        return Linear.linear(QuickGelu.threeOps(hidden), proj.transpose(), projBias).singletonOrThrow();
    }

    private static void assertClose(String what, NDArray actual, NDArray expected) {
        float scale = expected.abs().max().getFloat();
        assertThat(actual.sub(expected).abs().max().getFloat()).as(what).isLessThan(2e-6f * scale);
    }
}
