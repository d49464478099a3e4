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
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The image tower's last block computed for the class token's row only gives the image features of every row
 * computed, and the same gradients: of the pixels (through every block's keys and values), of a deep prompt written
 * into the last block's input (a prompt method's, whose rows only reach the class token as keys and values), and of
 * the last block's own weights and biases (which full fine-tuning and BitFit train). The build runs the fused
 * attention; {@code MMAP_ATTENTION=unfused ./mvnw test -pl ml-core -Dtest=LastBlockFirstRowTest} runs the three ops.
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
            String lastBlock = "visual.transformer.resblocks." + last + ".";
            List<ClipModel.Weight> trained = clip.weights().stream().filter(w -> w.name().startsWith(lastBlock)).toList();
            assertThat(trained).hasSizeGreaterThanOrEqualTo(12); // two LayerNorms, in/out projections, c_fc, c_proj
            trained.forEach(w -> w.array().setRequiresGradient(true));
            List<List<NDArray>> weightGrads = List.of(new ArrayList<>(), new ArrayList<>());
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
                for (ClipModel.Weight w : trained) {
                    NDArray g = w.array().getGradient();
                    weightGrads.get(pass).add(g.duplicate());
                    g.subi(g); // the next pass's backward accumulates into a clean buffer
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
            for (int i = 0; i < trained.size(); i++) {
                assertClose("the gradient of " + trained.get(i).name(), weightGrads.get(0).get(i), weightGrads.get(1).get(i));
            }
        }
    }

    private static void assertClose(String what, NDArray actual, NDArray expected) {
        TwoPasses.assertClose(what, actual, expected, 1e-5f);
    }
}
