package org.mmapmtl.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmapmtl.clip.ClipPreprocessor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ImagePipelineTest {
    @TempDir
    Path root;

    List<Sample> generated() {
        SyntheticDomains.generate(root, 2, 3, 2, 9, 48);
        return DatasetLoader.folder(root).domain("photo").samples();
    }

    @Test
    void evaluationBatchIsTheReferenceTransformOfEachImage() {
        List<Sample> samples = generated();
        try (ImagePipeline pipeline = new ImagePipeline(root, 32, 2)) {
            ImagePipeline.Batch batch = pipeline.load(samples, null);
            assertThat(batch.count()).isEqualTo(6);
            assertThat(batch.labels()).containsExactly(0, 0, 1, 1, 2, 2);
            float[] third = new ClipPreprocessor(32).apply(ClipPreprocessor.read(root.resolve(samples.get(2).path())));
            assertThat(Arrays.copyOfRange(batch.pixels(), 2 * third.length, 3 * third.length)).containsExactly(third);
        }
    }

    @Test
    void unreadableImagesAreSkippedAndCountedNotFatal() throws Exception {
        List<Sample> samples = new ArrayList<>(generated());
        Path broken = root.resolve(samples.get(1).path());
        byte[] bytes = Files.readAllBytes(broken);
        Files.write(broken, Arrays.copyOf(bytes, 40));
        samples.add(new Sample("photo/circle/never-there.png", 0));
        try (ImagePipeline pipeline = new ImagePipeline(root, 32, 2)) {
            ImagePipeline.Batch batch = pipeline.load(samples, null);
            assertThat(batch.count()).isEqualTo(5);
            assertThat(batch.skipped()).hasSize(2);
            assertThat(batch.skipped().get(0)).contains(samples.get(1).path());
            assertThat(pipeline.skippedTotal()).isEqualTo(2);
            assertThat(batch.pixels()).hasSize(5 * 3 * 32 * 32);
        }
    }

    @Test
    void augmentationIsSeededAndVaries() {
        List<Sample> samples = generated();
        try (ImagePipeline pipeline = new ImagePipeline(root, 32, 2)) {
            float[] a = pipeline.load(samples, 5L).pixels();
            float[] b = pipeline.load(samples, 5L).pixels();
            float[] c = pipeline.load(samples, 6L).pixels();
            float[] plain = pipeline.load(samples, null).pixels();
            assertThat(a).containsExactly(b);
            assertThat(a).isNotEqualTo(c);
            assertThat(a).isNotEqualTo(plain);
        }
    }

    @Test
    void mirrorFlipsColumns() throws Exception {
        generated();
        var image = ClipPreprocessor.read(root.resolve("photo/circle/photo_circle_000.png"));
        ClipPreprocessor p = new ClipPreprocessor(48);
        float[] straight = p.applyExact(image, false);
        float[] mirrored = p.applyExact(image, true);
        assertThat(mirrored[5]).isEqualTo(straight[47 - 5]);
        assertThat(mirrored[48 * 10 + 3]).isEqualTo(straight[48 * 10 + 44]);
    }
}
