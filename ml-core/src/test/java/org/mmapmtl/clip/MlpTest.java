package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The block's second half with QuickGELU's scalings folded into ln_2, the GEMMs' β and the residual add computes what
 * ln_2, c_fc, QuickGELU, c_proj and the residual add compute one by one, and the same gradients for the input, ln_2's
 * weight and bias, both weights and both biases (BitFit and full fine-tuning train them).
 */
class MlpTest {

    @Test
    void matchesTheOpsOneByOneForwardAndBackward() {
        assertThat(Mlp.fused()).as("the PyTorch engine compiles the MLP module").isTrue();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            m.getEngine().setRandomSeed(7);
            int width = 16;
            NDArray x = m.randomNormal(0, 1, new Shape(10, width), DataType.FLOAT32);
            NDArray lnWeight = m.randomNormal(1, 0.3f, new Shape(width), DataType.FLOAT32);
            NDArray lnBias = m.randomNormal(0, 0.3f, new Shape(width), DataType.FLOAT32);
            NDArray fc = m.randomNormal(0, 0.3f, new Shape(width, 4 * width), DataType.FLOAT32);
            NDArray fcBias = m.randomNormal(0, 0.3f, new Shape(4 * width), DataType.FLOAT32);
            NDArray proj = m.randomNormal(0, 0.3f, new Shape(4 * width, width), DataType.FLOAT32);
            NDArray projBias = m.randomNormal(0, 0.3f, new Shape(width), DataType.FLOAT32);
            List<NDArray> inputs = List.of(x, lnWeight, lnBias, fc, fcBias, proj, projBias);
            TwoPasses.Pass fused = TwoPasses.run(inputs, in -> Mlp.applyOrNull(in.get(0), in.get(1), in.get(2), in.get(3),
                    in.get(4), in.get(5), in.get(6)));
            TwoPasses.Pass reference = TwoPasses.run(inputs, in -> oneByOne(in.get(0), in.get(1), in.get(2), in.get(3),
                    in.get(4), in.get(5), in.get(6)));
            assertThat(fused.output().getShape()).isEqualTo(new Shape(10, width));
            TwoPasses.assertClose("output", fused.output(), reference.output(), 2e-6f);
            List<String> names = List.of("mid", "ln_2 weight", "ln_2 bias", "c_fc weight", "c_fc bias", "c_proj weight",
                    "c_proj bias");
            for (int i = 0; i < names.size(); i++) {
                assertThat(reference.gradient(i).abs().max().getFloat()).as(names.get(i)).isGreaterThan(1e-3f);
                TwoPasses.assertClose("gradient of " + names.get(i), fused.gradient(i), reference.gradient(i), 2e-6f);
            }
        }
    }

    private static NDArray oneByOne(NDArray mid, NDArray lnWeight, NDArray lnBias, NDArray fc, NDArray fcBias,
                                    NDArray proj, NDArray projBias) {
        NDArray x = LayerNorm.layerNorm(mid, new Shape(mid.getShape().get(1)), lnWeight, lnBias, 1e-5f)
                .singletonOrThrow();
        NDArray hidden = Linear.linear(x, fc.transpose(), fcBias).singletonOrThrow();
        return mid.add(Linear.linear(QuickGelu.threeOps(hidden), proj.transpose(), projBias).singletonOrThrow());
    }
}
