package org.mmapmtl.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafetensorsTest {

    @TempDir
    Path dir;

    private static Map<String, Tensor> sample() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("visual.proj", Tensor.ofFloats(new long[] {2, 3}, new float[] {1, -2, 3.5f, 0, 1e-7f, -1e30f}));
        tensors.put("logit_scale", Tensor.ofFloats(new long[] {}, new float[] {4.6052f}));
        tensors.put("empty", Tensor.ofFloats(new long[] {0, 4}, new float[0]));
        return tensors;
    }

    @Test
    void bytesRoundTripKeepsTensorsMetadataAndOrder() {
        byte[] bytes = Safetensors.write(sample(), Map.of("format", "pt", "note", "ünïcode ✓"));
        SafetensorsContent back = Safetensors.read(bytes, "memory");

        assertThat(back.tensors().keySet()).containsExactly("visual.proj", "logit_scale", "empty");
        assertThat(back.tensors()).isEqualTo(sample());
        assertThat(back.tensor("visual.proj", 2, 3).toFloats()).containsExactly(1, -2, 3.5f, 0, 1e-7f, -1e30f);
        assertThat(back.metadata()).containsEntry("note", "ünïcode ✓");
    }

    @Test
    void dataSectionStartsEightByteAligned() {
        byte[] bytes = Safetensors.write(sample(), Map.of("x", "y"));
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertThat(headerLength % 8).isZero();
    }

    @Test
    void fileRoundTripIsMemoryMappedAndEqual() throws Exception {
        Path file = dir.resolve("w.safetensors");
        Safetensors.write(file, sample(), Map.of());
        assertThat(Files.readAllBytes(file)).isEqualTo(Safetensors.write(sample(), Map.of()));
        assertThat(Safetensors.read(file).tensors()).isEqualTo(sample());
    }

    @Test
    void halfAndBfloatWidenToFloat() {
        ByteBuffer half = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        half.putShort((short) 0x3c00).putShort((short) 0xc000).putShort((short) 0x0001).putShort((short) 0x7c00).flip();
        assertThat(new Tensor(DType.F16, new long[] {4}, half).toFloats())
                .containsExactly(1f, -2f, 0x1p-24f, Float.POSITIVE_INFINITY);

        ByteBuffer bf = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        bf.putShort((short) 0x3f80).putShort((short) 0xc0a0).flip();
        assertThat(new Tensor(DType.BF16, new long[] {2}, bf).toFloats()).containsExactly(1f, -5f);
    }

    @Test
    void missingTensorNamesSourceAndTensor() {
        SafetensorsContent content = Safetensors.read(Safetensors.write(sample(), Map.of()), "weights.safetensors");
        assertThatThrownBy(() -> content.tensor("visual.conv1.weight"))
                .hasMessageContaining("weights.safetensors").hasMessageContaining("visual.conv1.weight");
    }

    @Test
    void wrongShapeNamesExpectedAndFound() {
        SafetensorsContent content = Safetensors.read(Safetensors.write(sample(), Map.of()), "w");
        assertThatThrownBy(() -> content.tensor("visual.proj", 3, 2))
                .hasMessageContaining("visual.proj").hasMessageContaining("[2, 3]").hasMessageContaining("[3, 2]");
    }

    @Test
    void truncatedFileIsNamedAsTruncated() throws Exception {
        byte[] bytes = Safetensors.write(sample(), Map.of());
        Path file = dir.resolve("cut.safetensors");
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 5));
        assertThatThrownBy(() -> Safetensors.read(file))
                .isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("truncated");
    }

    @Test
    void foreignFileIsNotASafetensorsFile() throws Exception {
        Path text = dir.resolve("readme.txt");
        Files.writeString(text, "this is just some text, not a tensor file at all");
        assertThatThrownBy(() -> Safetensors.read(text))
                .isInstanceOf(SafetensorsFormatException.class).hasMessageContaining("not a safetensors file");

        Path tiny = dir.resolve("tiny");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> Safetensors.read(tiny)).hasMessageContaining("too short");

        byte[] json = "[1,2,3]   ".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json);
        assertThatThrownBy(() -> Safetensors.read(b.array(), "array")).hasMessageContaining("not a JSON object");
    }

    @Test
    void missingFileIsNamed() {
        Path missing = dir.resolve("nope.safetensors");
        assertThatThrownBy(() -> Safetensors.read(missing)).hasMessageContaining("nope.safetensors")
                .hasMessageContaining("no such file");
    }

    @Test
    void inconsistentOffsetsAreRejected() {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + 8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json);
        assertThatThrownBy(() -> Safetensors.read(b.array(), "x"))
                .hasMessageContaining("'a'").hasMessageContaining("needs 8 bytes");
    }
}
