package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mmapmtl.safetensors.Safetensors;
import org.mmapmtl.safetensors.SafetensorsContent;
import org.mmapmtl.safetensors.Tensor;

import java.net.URISyntaxException;
import java.nio.ByteOrder;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Compares with outputs of the reference implementation, written by scripts/clip_goldens.py. */
class ClipModelGoldenTest {
    static final double TOLERANCE = 1e-5;
    static ClipModel model;
    static SafetensorsContent goldens;

    static Path resource(String name) throws URISyntaxException {
        return Path.of(ClipModelGoldenTest.class.getResource("/clip/" + name).toURI());
    }

    @BeforeAll
    static void load() throws Exception {
        model = ClipModel.load(ClipWeights.read(resource("tiny-clip.safetensors")), Device.cpu());
        goldens = Safetensors.read(resource("goldens.safetensors"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static NDArray floats(NDManager manager, Tensor t) {
        return manager.create(t.toFloats(), new Shape(t.shape()));
    }

    static NDArray longs(NDManager manager, Tensor t) {
        long[] values = new long[(int) t.elementCount()];
        t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(values);
        return manager.create(values, new Shape(t.shape()));
    }

    static void assertClose(NDArray actual, Tensor expected) {
        assertThat(actual.getShape().getShape()).isEqualTo(expected.shape());
        float[] a = actual.toType(DataType.FLOAT32, false).toFloatArray();
        float[] e = expected.toFloats();
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            scale = Math.max(scale, Math.abs(e[i]));
            worst = Math.max(worst, Math.abs(a[i] - e[i]));
        }
        assertThat(worst / scale).as("max |ours - reference| / max |reference|").isLessThanOrEqualTo(TOLERANCE);
    }

    @Test
    void forwardPassesLeaveNothingOnTheModelsManager() {
        int before = model.heldArrays();
        for (int step = 0; step < 5; step++) {
            try (NDManager batch = NDManager.newBaseManager(Device.cpu())) {
                NDArray image = model.encodeImage(floats(batch, goldens.tensor("images")));
                NDArray text = model.encodeText(longs(batch, goldens.tensor("tokens")));
                model.logits(image, text);
            }
        }
        assertThat(model.heldArrays()).isEqualTo(before);
    }

    @Test
    void configIsInferredFromTheWeights() {
        ClipConfig c = model.config();
        assertThat(c.embedDim()).isEqualTo(24);
        assertThat(c.vision()).isEqualTo(new ClipConfig.Vision(64, 2, 1, 8, 32));
        assertThat(c.text()).isEqualTo(new ClipConfig.Text(32, 2, 2, 77, 600));
    }

    @Test
    void imageTextAndLogitsMatchTheReference() {
        try (NDManager batch = NDManager.newBaseManager(Device.cpu())) {
            NDArray images = floats(batch, goldens.tensor("images"));
            NDArray tokens = longs(batch, goldens.tensor("tokens"));
            NDArray imageFeatures = model.encodeImage(images);
            NDArray textFeatures = model.encodeText(tokens);
            assertClose(imageFeatures, goldens.tensor("image_embeddings"));
            assertClose(textFeatures, goldens.tensor("text_embeddings"));
            assertClose(model.logits(imageFeatures, textFeatures), goldens.tensor("logits_per_image"));
        }
    }
}
