package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmapmtl.safetensors.DType;
import org.mmapmtl.safetensors.Safetensors;
import org.mmapmtl.safetensors.SafetensorsContent;
import org.mmapmtl.safetensors.SafetensorsFormatException;
import org.mmapmtl.safetensors.Tensor;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClipWeightsTest {
    @TempDir
    Path dir;

    static SafetensorsContent tiny() throws Exception {
        return Safetensors.read(ClipModelGoldenTest.resource("tiny-clip.safetensors"));
    }

    Path write(Map<String, Tensor> tensors, Map<String, String> metadata) {
        Path file = dir.resolve("w" + System.nanoTime() + ".safetensors");
        Safetensors.write(file, tensors, metadata);
        return file;
    }

    @Test
    void missingTensorIsNamedWithItsShape() throws Exception {
        Map<String, Tensor> tensors = new LinkedHashMap<>(tiny().tensors());
        tensors.remove("visual.transformer.resblocks.1.mlp.c_fc.bias");
        Path file = write(tensors, tiny().metadata());
        assertThatThrownBy(() -> ClipWeights.read(file)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("visual.transformer.resblocks.1.mlp.c_fc.bias").hasMessageContaining("[256]");
    }

    @Test
    void wrongShapeNamesExpectedAndFound() throws Exception {
        Map<String, Tensor> tensors = new LinkedHashMap<>(tiny().tensors());
        tensors.put("transformer.resblocks.0.ln_2.weight", Tensor.ofFloats(new long[] {31}, new float[31]));
        Path file = write(tensors, tiny().metadata());
        assertThatThrownBy(() -> ClipWeights.read(file)).hasMessageContaining("transformer.resblocks.0.ln_2.weight")
                .hasMessageContaining("[31]").hasMessageContaining("expected [32]");
    }

    @Test
    void truncatedAndForeignFilesAreNamed() throws Exception {
        byte[] bytes = Files.readAllBytes(ClipModelGoldenTest.resource("tiny-clip.safetensors"));
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> ClipWeights.read(cut)).hasMessageContaining("cut.safetensors").hasMessageContaining("truncated");
        Path npz = dir.resolve("ViT-B-16.bin");
        Files.write(npz, new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        assertThatThrownBy(() -> ClipWeights.read(npz)).hasMessageContaining("ViT-B-16.bin")
                .hasMessageContaining("not a safetensors file");
    }

    @Test
    void torchScriptArchiveParametersAreReadAndWidened() throws Exception {
        ClipWeights weights = ClipWeights.read(ClipModelGoldenTest.resource("tiny-jit.pt"));
        assertThat(weights.config().vision()).isEqualTo(new ClipConfig.Vision(64, 1, 1, 16, 32));
        assertThat(weights.config().text().vocabSize()).isEqualTo(100);
        var expected = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(ClipModelGoldenTest.resource("tiny-jit.json").toFile());
        assertThat(weights.tensors().keySet()).containsAll(() -> expected.fieldNames());
        expected.fields().forEachRemaining(e -> {
            Tensor t = weights.tensor(e.getKey());
            float[] values = t.toFloats();
            double sum = 0;
            for (float v : values) {
                sum += v;
            }
            assertThat(sum).as(e.getKey()).isCloseTo(e.getValue().get("sum").asDouble(),
                    org.assertj.core.api.Assertions.within(1e-6 * Math.max(1, values.length)));
            for (int i = 0; i < e.getValue().get("first").size(); i++) {
                assertThat(values[i]).isEqualTo((float) e.getValue().get("first").get(i).asDouble());
            }
        });
        try (ClipModel model = ClipModel.load(weights, Device.cpu())) {
            assertThat(model.config().embedDim()).isEqualTo(16);
        }
    }

    @Test
    void aFileThatIsNoTorchScriptIsNamed() throws Exception {
        Path fake = dir.resolve("ViT-B-32.pt");
        Files.writeString(fake, "definitely not a zip archive");
        assertThatThrownBy(() -> ClipWeights.read(fake)).hasMessageContaining("ViT-B-32.pt")
                .hasMessageContaining("convert it to safetensors");
    }

    /**
     * A tiny {@code CLIPModel} as transformers itself saves it, with transformers' own features on fixed inputs
     * (scripts/hf_clip_goldens.py): the names, the q/k/v split and the projection layout come from transformers, not
     * from a table of ours.
     */
    @Test
    void huggingFaceCheckpointsComputeWhatTransformersComputes() throws Exception {
        Path file = ClipModelGoldenTest.resource("hf/model.safetensors");
        ClipWeights weights = ClipWeights.read(file);
        assertThat(weights.config()).isEqualTo(new ClipConfig(24,
                new ClipConfig.Vision(64, 2, 1, 8, 32), new ClipConfig.Text(128, 2, 2, 77, 600)));
        assertThat(weights.tensors().keySet()).as("every tensor the model reads, and only those")
                .containsExactlyInAnyOrderElementsOf(ClipWeights.expectedShapes(weights.config()).keySet());
        SafetensorsContent goldens = Safetensors.read(ClipModelGoldenTest.resource("hf/goldens.safetensors"));
        try (ClipModel model = ClipModel.load(weights, Device.cpu());
             NDManager batch = NDManager.newBaseManager(Device.cpu())) {
            var image = model.encodeImage(ClipModelGoldenTest.floats(batch, goldens.tensor("images")));
            var text = model.encodeText(ClipModelGoldenTest.longs(batch, goldens.tensor("tokens")));
            ClipModelGoldenTest.assertClose(image, goldens.tensor("image_embeddings"));
            ClipModelGoldenTest.assertClose(text, goldens.tensor("text_embeddings"));
            ClipModelGoldenTest.assertClose(model.logits(image, text), goldens.tensor("logits_per_image"));
        }
    }

    /** Files saved by transformers before 4.31 also hold the embeddings' position_ids buffers (int64). */
    @Test
    void olderHuggingFaceFilesWithPositionIdsAreRead() throws Exception {
        SafetensorsContent saved = Safetensors.read(ClipModelGoldenTest.resource("hf/model.safetensors"));
        Map<String, Tensor> tensors = new LinkedHashMap<>(saved.tensors());
        tensors.put("text_model.embeddings.position_ids", new Tensor(DType.I64, new long[] {1, 77}, ByteBuffer.allocate(77 * 8)));
        tensors.put("vision_model.embeddings.position_ids", new Tensor(DType.I64, new long[] {1, 17}, ByteBuffer.allocate(17 * 8)));
        Path file = write(tensors, saved.metadata());
        assertThat(ClipWeights.read(file).config().text().width()).isEqualTo(128);
    }
}
