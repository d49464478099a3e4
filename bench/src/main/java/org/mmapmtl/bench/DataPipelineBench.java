package org.mmapmtl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mmapmtl.data.DatasetLoader;
import org.mmapmtl.data.ImagePipeline;
import org.mmapmtl.data.PreprocessedCache;
import org.mmapmtl.data.Sample;
import org.mmapmtl.data.SyntheticDomains;
import org.mmapmtl.io.Trees;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Decode + preprocess throughput of the image pipeline on JPEGs of a photo's size (generated, then re-encoded as
 * JPEG), for the evaluation transform and for training augmentation, and the evaluation transform through the
 * on-disk cache of preprocessed images (first pass filling it, second pass reading it).
 */
public final class DataPipelineBench {
    private DataPipelineBench() {
    }

    public static ObjectNode run(int images, int width, int height, int resolution, int threads, Path out, PrintStream log)
            throws IOException {
        Path dir = Files.createTempDirectory("bench-data");
        try {
            int side = Math.max(width, height);
            int perClass = (images + 9) / 10;
            SyntheticDomains.generate(dir.resolve("png"), 1, 10, perClass, 1, side);
            List<Sample> samples = new ArrayList<>();
            for (Sample s : DatasetLoader.folder(dir.resolve("png")).domains().get(0).samples()) {
                if (samples.size() == images) {
                    break;
                }
                BufferedImage square = ImageIO.read(dir.resolve("png").resolve(s.path()).toFile());
                String jpeg = s.path().replace(".png", ".jpg");
                Path target = dir.resolve("jpg").resolve(jpeg);
                Files.createDirectories(target.getParent());
                ImageIO.write(square.getSubimage(0, 0, width, height), "jpg", target.toFile());
                samples.add(new Sample(jpeg, s.label()));
            }
            ObjectNode result = new ObjectMapper().createObjectNode();
            result.put("benchmark", "data-pipeline");
            result.put("when", Instant.now().toString());
            result.put("images", samples.size());
            result.put("imageSize", width + "x" + height + " jpeg");
            result.put("resolution", resolution);
            result.put("threads", threads);
            try (ImagePipeline pipeline = new ImagePipeline(dir.resolve("jpg"), resolution, threads)) {
                pipeline.load(samples.subList(0, Math.min(16, samples.size())), null); // warm-up
                long t0 = System.nanoTime();
                pipeline.load(samples, null);
                double evalSeconds = (System.nanoTime() - t0) / 1e9;
                long t1 = System.nanoTime();
                pipeline.load(samples, 1L);
                double trainSeconds = (System.nanoTime() - t1) / 1e9;
                result.put("evalImagesPerSecond", samples.size() / evalSeconds);
                result.put("trainImagesPerSecond", samples.size() / trainSeconds);
                log.printf("%d %dx%d JPEGs -> %d px on %d threads: evaluation %.1f images/s, training (augmented) %.1f images/s%n",
                        samples.size(), width, height, resolution, threads, samples.size() / evalSeconds,
                        samples.size() / trainSeconds);
            }
            // the on-disk cache: the first pass decodes and writes every entry, the second only reads them
            PreprocessedCache cache = new PreprocessedCache(dir.resolve("cache"));
            try (ImagePipeline pipeline = new ImagePipeline(dir.resolve("jpg"), resolution, threads, cache)) {
                long t0 = System.nanoTime();
                pipeline.load(samples, null);
                double coldSeconds = (System.nanoTime() - t0) / 1e9;
                long t1 = System.nanoTime();
                pipeline.load(samples, null);
                double warmSeconds = (System.nanoTime() - t1) / 1e9;
                result.put("evalCacheColdImagesPerSecond", samples.size() / coldSeconds);
                result.put("evalCacheWarmImagesPerSecond", samples.size() / warmSeconds);
                log.printf("with the on-disk cache: first pass (decode + write) %.1f images/s, second pass (read) %.1f images/s%n",
                        samples.size() / coldSeconds, samples.size() / warmSeconds);
            }
            BenchResults.write(result, out, log);
            return result;
        } finally {
            Trees.delete(dir);
        }
    }
}
