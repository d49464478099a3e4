package org.mmapmtl.clip;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmapmtl.safetensors.Safetensors;
import org.mmapmtl.safetensors.SafetensorsContent;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Compares with Pillow's resize + the reference crop and normalization (scripts/preprocess_goldens.py). */
class ClipPreprocessorTest {
    @TempDir
    Path dir;

    @Test
    void everyGoldenImageMatchesThePillowReference() throws Exception {
        Path folder = Path.of(getClass().getResource("/preprocess/expected.safetensors").toURI()).getParent();
        SafetensorsContent expected = Safetensors.read(folder.resolve("expected.safetensors"));
        ClipPreprocessor preprocessor = new ClipPreprocessor(Integer.parseInt(expected.metadata("resolution")));
        assertThat(expected.tensors()).hasSizeGreaterThanOrEqualTo(7);
        for (var e : expected.tensors().entrySet()) {
            float[] ours = preprocessor.apply(ClipPreprocessor.read(folder.resolve(e.getKey() + ".png")));
            float[] reference = e.getValue().toFloats();
            assertThat(ours).as(e.getKey()).hasSize(reference.length);
            for (int i = 0; i < ours.length; i++) {
                assertThat(Math.abs(ours[i] - reference[i])).as("%s at %d", e.getKey(), i).isLessThanOrEqualTo(1e-6f);
            }
        }
    }

    @Test
    void unreadableImagesAreNamed() throws Exception {
        Path text = dir.resolve("photo.jpg");
        Files.writeString(text, "not an image");
        assertThatThrownBy(() -> ClipPreprocessor.read(text)).hasMessageContaining("photo.jpg");
        assertThatThrownBy(() -> ClipPreprocessor.read(dir.resolve("missing.png"))).hasMessageContaining("missing.png");
    }
}
