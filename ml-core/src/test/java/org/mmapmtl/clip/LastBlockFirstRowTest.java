package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The image tower's last block computed for the class token's row only gives the image features of every row
 * computed, and the same gradients: of the pixels (through every block's keys and values) and of a deep prompt
 * written into the last block's input (a prompt method's, whose rows only reach the class token as keys and values).
 */
class LastBlockFirstRowTest {
    @TempDir
    Path dir;

    @Test
    void sameFeaturesAndGradientsAsEveryRow() {
        Path file = dir.resolve("tiny.safetensors");
        ClipInitializer.write(file, ClipArchitecture.TINY, 5);
        try (ClipModel clip = ClipModel.load(ClipWeights.read(file), Device.cpu());
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            int r = clip.config().vision().resolution();
            int width = clip.config().vision().width();
            int last = clip.config().vision().layers() - 1;
            m.getEngine().setRandomSeed(3);
            NDArray pixels = m.randomNormal(new Shape(3, 3, r, r));
            NDArray prompt = m.randomNormal(0, 0.5f, new Shape(2, width), ai.djl.ndarray.types.DataType.FLOAT32);
            NDArray[] features = new NDArray[2];
            NDArray[] pixelGrads = new NDArray[2];
            NDArray[] promptGrads = new NDArray[2];
            for (int pass = 0; pass < 2; pass++) {
                clip.lastBlockFirstRow(pass == 0);
                NDArray px = pixels.duplicate();
                NDArray p = prompt.duplicate();
                px.setRequiresGradient(true);
                p.setRequiresGradient(true);
                // the prompt replaces tokens 1 and 2 before the last block, as deep prompts do
                LayerHook hook = (layer, x) -> layer != last ? x
                        : x.get(":, :1, :").concat(p.expandDims(0).broadcast(new Shape(x.getShape().get(0), 2, width)), 1)
                        .concat(x.get(":, 3:, :"), 1);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray f = clip.encodeImage(px, hook);
                    NDArray weights = m.arange(0f, f.size()).reshape(f.getShape()).div(f.size());
                    collector.backward(f.mul(weights).sum());
                    features[pass] = f.duplicate();
                }
                pixelGrads[pass] = px.getGradient().duplicate();
                promptGrads[pass] = p.getGradient().duplicate();
            }
            clip.lastBlockFirstRow(true);
            assertThat(features[0].getShape()).isEqualTo(features[1].getShape());
            assertClose("features", features[0], features[1]);
            assertThat(promptGrads[1].abs().max().getFloat()).isGreaterThan(0f);
            assertClose("pixels' gradient", pixelGrads[0], pixelGrads[1]);
            assertClose("the prompt's gradient", promptGrads[0], promptGrads[1]);
        }
    }

    private static void assertClose(String what, NDArray actual, NDArray expected) {
        float scale = expected.abs().max().getFloat();
        assertThat(scale).as(what).isPositive();
        assertThat(actual.sub(expected).abs().max().getFloat()).as(what).isLessThan(1e-5f * scale);
    }
}
