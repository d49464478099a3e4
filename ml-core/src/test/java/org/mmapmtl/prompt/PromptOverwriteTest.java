package org.mmapmtl.prompt;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.mmapmtl.clip.TwoPasses;

import java.util.List;

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
            // x goes through an op first, as a block's output does: the overwrite's input is not a leaf
            TwoPasses.Pass one = TwoPasses.run(List.of(x, prompts),
                    in -> PromptOverwrite.apply(in.get(0).mul(in.get(0)), in.get(1)));
            TwoPasses.Pass slices = TwoPasses.run(List.of(x, prompts),
                    in -> PromptOverwrite.concatenated(in.get(0).mul(in.get(0)), in.get(1)));
            assertThat(one.output().getShape()).isEqualTo(new Shape(3, 9, 8));
            assertThat(one.output().get(":, 1:5, :").contentEquals(prompts.expandDims(0).broadcast(new Shape(3, 4, 8))))
                    .isTrue();
            assertThat(one.output().get(":, 5:, :").contentEquals(x.get(":, 5:, :").mul(x.get(":, 5:, :")))).isTrue();
            assertThat(one.output().contentEquals(slices.output())).isTrue();
            assertThat(one.gradient(0).get(":, 1:5, :").abs().max().getFloat()).isZero();
            assertThat(one.gradient(0).contentEquals(slices.gradient(0))).isTrue();
            assertThat(one.gradient(1).abs().max().getFloat()).isPositive();
            assertThat(one.gradient(1).sub(slices.gradient(1)).abs().max().getFloat()).isLessThan(1e-6f);
        }
    }
}
