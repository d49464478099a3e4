package org.mmapmtl.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PreprocessedCacheTest {
    @TempDir
    Path root;
    @TempDir
    Path cacheDir;

    private List<Sample> photos() {
        SyntheticDomains.generate(root, 2, 3, 2, 9, 48);
        return DatasetLoader.folder(root).domain("photo").samples();
    }

    private float[] uncached(List<Sample> samples) {
        try (ImagePipeline pipeline = new ImagePipeline(root, 32, 2)) {
            return pipeline.load(samples, null).pixels();
        }
    }

    private float[] cached(List<Sample> samples, PreprocessedCache cache) {
        try (ImagePipeline pipeline = new ImagePipeline(root, 32, 2, cache)) {
            return pipeline.load(samples, null).pixels();
        }
    }

    private List<Path> entries() throws Exception {
        try (Stream<Path> files = Files.walk(cacheDir)) {
            return files.filter(f -> f.toString().endsWith(".px")).sorted().toList();
        }
    }

    @Test
    void aSecondRunReadsTheSamePixelsFromTheCacheWithoutDecoding() throws Exception {
        List<Sample> samples = photos();
        float[] reference = uncached(samples);

        PreprocessedCache first = new PreprocessedCache(cacheDir);
        assertThat(cached(samples, first)).containsExactly(reference);
        assertThat(first.stats()).isEqualTo(new PreprocessedCache.Stats(0, 6, 0));
        assertThat(entries()).hasSize(6);
        // 8-bit pixels, a quarter of the float tensor, plus a 12-byte header
        assertThat(Files.size(entries().get(0))).isEqualTo(12 + 3 * 32 * 32);

        PreprocessedCache second = new PreprocessedCache(cacheDir); // as a later process would open it
        assertThat(cached(samples, second)).containsExactly(reference);
        assertThat(second.stats()).isEqualTo(new PreprocessedCache.Stats(6, 0, 0));
    }

    @Test
    void aReplacedImageIsDecodedAfresh() throws Exception {
        List<Sample> samples = photos();
        PreprocessedCache cache = new PreprocessedCache(cacheDir);
        cached(samples, cache);
        Path first = root.resolve(samples.get(0).path());
        Files.copy(root.resolve(samples.get(5).path()), first, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(first, FileTime.fromMillis(Files.getLastModifiedTime(first).toMillis() + 5_000));

        float[] again = cached(samples, cache);
        assertThat(again).containsExactly(uncached(samples));
        int plane = 3 * 32 * 32;
        assertThat(Arrays.copyOfRange(again, 0, plane)).containsExactly(Arrays.copyOfRange(again, 5 * plane, 6 * plane));
        assertThat(cache.stats().hits()).isEqualTo(5);
        assertThat(cache.stats().misses()).isEqualTo(6 + 1);
    }

    @Test
    void aDamagedEntryIsIgnoredAndRewritten() throws Exception {
        List<Sample> samples = photos();
        float[] reference = uncached(samples);
        PreprocessedCache cache = new PreprocessedCache(cacheDir);
        cached(samples, cache);
        Path truncated = entries().get(0);
        Files.write(truncated, Arrays.copyOf(Files.readAllBytes(truncated), 100));
        Path scribbled = entries().get(1);
        byte[] bytes = Files.readAllBytes(scribbled);
        bytes[0] = 'X';
        Files.write(scribbled, bytes);

        PreprocessedCache reopened = new PreprocessedCache(cacheDir);
        assertThat(cached(samples, reopened)).containsExactly(reference);
        assertThat(reopened.stats()).isEqualTo(new PreprocessedCache.Stats(4, 0, 2));
        PreprocessedCache third = new PreprocessedCache(cacheDir);
        assertThat(cached(samples, third)).containsExactly(reference);
        assertThat(third.stats()).isEqualTo(new PreprocessedCache.Stats(6, 0, 0));
    }

    @Test
    void augmentedImagesAndUnreadableOnesAreNotCached() throws Exception {
        List<Sample> samples = new ArrayList<>(photos());
        Path broken = root.resolve(samples.get(1).path());
        Files.write(broken, Arrays.copyOf(Files.readAllBytes(broken), 40));
        PreprocessedCache cache = new PreprocessedCache(cacheDir);
        try (ImagePipeline pipeline = new ImagePipeline(root, 32, 2, cache)) {
            pipeline.load(samples, 7L);
            assertThat(cache.stats()).isEqualTo(new PreprocessedCache.Stats(0, 0, 0));
            ImagePipeline.Batch batch = pipeline.load(samples, null);
            assertThat(batch.count()).isEqualTo(5);
            assertThat(batch.skipped()).singleElement().asString().contains(samples.get(1).path());
        }
        assertThat(entries()).hasSize(5);
    }

    @Test
    void aCacheFolderThatCannotBeMadeIsNamed() throws Exception {
        Path file = Files.writeString(cacheDir.resolve("a-file"), "x");
        assertThatThrownBy(() -> new PreprocessedCache(file.resolve("cache")))
                .hasMessageContaining(file.resolve("cache").toString());
    }
}
