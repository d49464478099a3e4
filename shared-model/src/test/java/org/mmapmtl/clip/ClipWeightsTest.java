package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmapmtl.safetensors.Safetensors;
import org.mmapmtl.safetensors.SafetensorsContent;
import org.mmapmtl.safetensors.SafetensorsFormatException;
import org.mmapmtl.safetensors.Tensor;

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

    @Test
    void huggingFaceNamesGiveTheSameModel() throws Exception {
        SafetensorsContent openAi = tiny();
        Map<String, Tensor> hf = new LinkedHashMap<>();
        Map<String, String> plain = Map.ofEntries(
                Map.entry("token_embedding.weight", "text_model.embeddings.token_embedding.weight"),
                Map.entry("positional_embedding", "text_model.embeddings.position_embedding.weight"),
                Map.entry("ln_final.weight", "text_model.final_layer_norm.weight"),
                Map.entry("ln_final.bias", "text_model.final_layer_norm.bias"),
                Map.entry("visual.class_embedding", "vision_model.embeddings.class_embedding"),
                Map.entry("visual.conv1.weight", "vision_model.embeddings.patch_embedding.weight"),
                Map.entry("visual.positional_embedding", "vision_model.embeddings.position_embedding.weight"),
                Map.entry("visual.ln_pre.weight", "vision_model.pre_layrnorm.weight"),
                Map.entry("visual.ln_pre.bias", "vision_model.pre_layrnorm.bias"),
                Map.entry("visual.ln_post.weight", "vision_model.post_layernorm.weight"),
                Map.entry("visual.ln_post.bias", "vision_model.post_layernorm.bias"),
                Map.entry("logit_scale", "logit_scale"));
        Map<String, String> inLayer = Map.of("ln_1", "layer_norm1", "ln_2", "layer_norm2",
                "attn.out_proj", "self_attn.out_proj", "mlp.c_fc", "mlp.fc1", "mlp.c_proj", "mlp.fc2");
        for (var e : openAi.tensors().entrySet()) {
            String name = e.getKey();
            if (plain.containsKey(name)) {
                hf.put(plain.get(name), e.getValue());
            } else if (name.contains("resblocks.")) {
                String tower = name.startsWith("visual.") ? "vision_model" : "text_model";
                String rest = name.substring(name.indexOf("resblocks.") + "resblocks.".length());
                String layer = rest.substring(0, rest.indexOf('.'));
                String param = rest.substring(layer.length() + 1);
                String base = tower + ".encoder.layers." + layer + ".";
                if (param.startsWith("attn.in_proj_")) {
                    String kind = param.endsWith("weight") ? "weight" : "bias";
                    float[] all = e.getValue().toFloats();
                    long[] shape = e.getValue().shape();
                    shape[0] /= 3;
                    int part = all.length / 3;
                    String[] names = {"q_proj", "k_proj", "v_proj"};
                    for (int i = 0; i < 3; i++) {
                        hf.put(base + "self_attn." + names[i] + "." + kind,
                                Tensor.ofFloats(shape, Arrays.copyOfRange(all, i * part, (i + 1) * part)));
                    }
                } else {
                    String module = param.substring(0, param.lastIndexOf('.'));
                    hf.put(base + inLayer.get(module) + param.substring(module.length()), e.getValue());
                }
            }
        }
        hf.put("text_projection.weight", transposed(openAi.tensor("text_projection")));
        hf.put("visual_projection.weight", transposed(openAi.tensor("visual.proj")));
        Path file = write(hf, openAi.metadata());

        try (ClipModel fromHf = ClipModel.load(ClipWeights.read(file), Device.cpu());
             NDManager batch = NDManager.newBaseManager(Device.cpu())) {
            var goldens = ClipModelGoldenTest.goldens;
            if (goldens == null) {
                goldens = Safetensors.read(ClipModelGoldenTest.resource("goldens.safetensors"));
            }
            var image = fromHf.encodeImage(ClipModelGoldenTest.floats(batch, goldens.tensor("images")));
            var text = fromHf.encodeText(ClipModelGoldenTest.longs(batch, goldens.tensor("tokens")));
            ClipModelGoldenTest.assertClose(image, goldens.tensor("image_embeddings"));
            ClipModelGoldenTest.assertClose(text, goldens.tensor("text_embeddings"));
        }
        assertThat(ClipWeights.read(file).config()).isEqualTo(ClipWeights.read(ClipModelGoldenTest.resource("tiny-clip.safetensors")).config());
    }

    static Tensor transposed(Tensor t) {
        long[] s = t.shape();
        float[] in = t.toFloats();
        float[] out = new float[in.length];
        for (int r = 0; r < s[0]; r++) {
            for (int c = 0; c < s[1]; c++) {
                out[(int) (c * s[0] + r)] = in[(int) (r * s[1] + c)];
            }
        }
        return Tensor.ofFloats(new long[] {s[1], s[0]}, out);
    }
}
