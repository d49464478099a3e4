package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The patch embedding as one product gives what the reference's conv1 gives (a convolution with stride = kernel,
 * then [B, width, grid²] transposed to the tokens' [B, grid², width]), and the same gradients for the images and for
 * conv1's weight, which full fine-tuning trains.
 */
class PatchEmbeddingTest {

    @Test
    void equalsTheConvolutionForwardAndBackward() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            m.getEngine().setRandomSeed(11);
            // a non-square grid (3 × 2 patches of 4 pixels) catches rows and columns swapped
            NDArray images = m.randomNormal(0, 1, new Shape(2, 3, 12, 8), DataType.FLOAT32);
            NDArray kernel = m.randomNormal(0, 0.2f, new Shape(5, 3, 4, 4), DataType.FLOAT32);
            TwoPasses.Pass product = TwoPasses.run(List.of(images, kernel),
                    in -> ClipModel.patchEmbedding(in.get(0), in.get(1)));
            TwoPasses.Pass convolution = TwoPasses.run(List.of(images, kernel),
                    in -> convolution(in.get(0), in.get(1)));
            assertThat(product.output().getShape()).isEqualTo(new Shape(2, 6, 5));
            TwoPasses.assertClose("tokens", product.output(), convolution.output(), 1e-5f);
            TwoPasses.assertClose("conv1's gradient", product.gradient(1), convolution.gradient(1), 1e-5f);
            // The tokens are linear in the images, so the loss TwoPasses takes the gradient of, at any images y, is
            // <its gradient, y>: checked against the convolution's forward at two random y. (libtorch's convolution
            // backward gives an images' gradient that is zero off each patch's first column here, so it cannot be
            // the reference; nothing trains the images.)
            NDArray weights = m.arange(0f, 60f).reshape(2, 6, 5).div(60f);
            for (int trial = 0; trial < 2; trial++) {
                NDArray y = m.randomNormal(0, 1, images.getShape(), DataType.FLOAT32);
                float loss = convolution(y, kernel).mul(weights).sum().getFloat();
                float linear = product.gradient(0).mul(y).sum().getFloat();
                assertThat(linear).as("the images' gradient applied to random images")
                        .isCloseTo(loss, within(1e-4f * Math.abs(loss) + 1e-5f));
            }
        }
    }

    /** The reference: conv1 with stride = kernel, then [B, width, grid²] transposed to [B, grid², width]. */
    private static NDArray convolution(NDArray images, NDArray kernel) {
        long p = kernel.getShape().get(2);
        NDArray out = Conv2d.conv2d(images, kernel, null, new Shape(p, p)).singletonOrThrow();
        Shape s = out.getShape();
        return out.reshape(s.get(0), s.get(1), s.get(2) * s.get(3)).transpose(0, 2, 1);
    }

    @Test
    void imagesOfAnotherSizeAreRefusedByName(@TempDir Path dir) {
        Path file = dir.resolve("tiny.safetensors");
        ClipInitializer.write(file, ClipArchitecture.TINY, 5);
        try (ClipModel model = ClipModel.load(ClipWeights.read(file), Device.cpu());
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            int r = model.config().vision().resolution();
            NDArray wrong = m.zeros(new Shape(1, 3, r, r + model.config().vision().patchSize()));
            assertThatThrownBy(() -> model.encodeImage(wrong))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("images must be [batch, 3, " + r + ", " + r + "]");
        }
    }
}
