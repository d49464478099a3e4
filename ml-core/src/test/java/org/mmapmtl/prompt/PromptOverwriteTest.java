package org.mmapmtl.prompt;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one-op prompt overwrite gives what slices and concatenations give: values and the input's gradient bit for bit;
 * the prompts' gradient, a sum over the batch that the two backwards take in different orders, within 1e-6.
 */
class PromptOverwriteTest {

    @Test
    void writesThePromptsAfterTheFirstTokenAndPassesGradientsAsTheSlicesDo() {
        assertThat(PromptOverwrite.fused()).as("the PyTorch engine compiles the slice_scatter module").isTrue();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            m.getEngine().setRandomSeed(3);
            NDArray x = m.randomNormal(new Shape(3, 9, 8));
            NDArray prompts = m.randomNormal(new Shape(4, 8));
            NDArray weights = m.arange(0f, 3 * 9 * 8).reshape(3, 9, 8).div(200f);
            NDArray[] outs = new NDArray[2];
            NDArray[] xGrads = new NDArray[2];
            NDArray[] promptGrads = new NDArray[2];
            for (int pass = 0; pass < 2; pass++) {
                NDArray leaf = x.duplicate();
                NDArray p = prompts.duplicate();
                leaf.setRequiresGradient(true);
                p.setRequiresGradient(true);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    // x goes through an op first, as a block's output does: the overwrite's input is not a leaf
                    NDArray in = leaf.mul(leaf);
                    NDArray out = pass == 0 ? PromptOverwrite.apply(in, p) : PromptOverwrite.concatenated(in, p);
                    collector.backward(out.mul(weights).sum());
                    outs[pass] = out.duplicate();
                }
                xGrads[pass] = leaf.getGradient().duplicate();
                promptGrads[pass] = p.getGradient().duplicate();
            }
            assertThat(outs[0].getShape()).isEqualTo(new Shape(3, 9, 8));
            assertThat(outs[0].get(":, 1:5, :").contentEquals(prompts.expandDims(0).broadcast(new Shape(3, 4, 8))))
                    .isTrue();
            assertThat(outs[0].get(":, 5:, :").contentEquals(x.get(":, 5:, :").mul(x.get(":, 5:, :")))).isTrue();
            assertThat(outs[0].contentEquals(outs[1])).isTrue();
            assertThat(xGrads[0].get(":, 1:5, :").abs().max().getFloat()).isZero();
            assertThat(xGrads[0].contentEquals(xGrads[1])).isTrue();
            assertThat(promptGrads[0].abs().max().getFloat()).isPositive();
            assertThat(promptGrads[0].sub(promptGrads[1]).abs().max().getFloat()).isLessThan(1e-6f);
        }
    }
}
