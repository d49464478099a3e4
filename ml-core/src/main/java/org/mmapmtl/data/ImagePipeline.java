package org.mmapmtl.data;

import org.mmapmtl.clip.ClipPreprocessor;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Decodes and preprocesses a batch of images on a pool of threads. Evaluation uses the reference transform;
 * training can add augmentation (random resized crop, horizontal flip: Dassl's, which MaPLe and so the paper's code
 * use; the paper's text does not name it), drawn from a seed per image so
 * that a run repeats exactly. An unreadable image is skipped with a warning and counted, never a failed epoch.
 */
public final class ImagePipeline implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ImagePipeline.class.getName());

    /** @param pixels  [count, 3, resolution, resolution] channel-first, normalized */
    public record Batch(float[] pixels, long[] labels, int count, List<String> skipped) {
    }

    private final Path root;
    private final ClipPreprocessor preprocessor;
    private final ExecutorService pool;
    private final PreprocessedCache cache;
    private final AtomicLong skippedTotal = new AtomicLong();

    public ImagePipeline(Path root, int resolution, int threads) {
        this(root, resolution, threads, null);
    }

    /**
     * @param cache where evaluation-transform results are kept between runs (null: decode every time); augmented
     *              training images are random per step and are never cached
     */
    public ImagePipeline(Path root, int resolution, int threads, PreprocessedCache cache) {
        this.root = root;
        this.preprocessor = new ClipPreprocessor(resolution);
        this.cache = cache;
        this.pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "image-decode");
            t.setDaemon(true);
            return t;
        });
    }

    public int resolution() {
        return preprocessor.resolution();
    }

    /** How many images were skipped as unreadable since this pipeline was made. */
    public long skippedTotal() {
        return skippedTotal.get();
    }

    /**
     * @param augmentSeed null for the evaluation transform; otherwise the seed of this batch's augmentation
     */
    public Batch load(List<Sample> samples, Long augmentSeed) {
        int r = preprocessor.resolution();
        int plane = 3 * r * r;
        List<Future<float[]>> futures = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            long seed = augmentSeed == null ? 0 : augmentSeed * 1_000_003L + i;
            futures.add(pool.submit(() -> augmentSeed == null ? evaluationPixels(root.resolve(s.path()))
                    : augmented(ClipPreprocessor.read(root.resolve(s.path())), seed)));
        }
        float[] pixels = new float[samples.size() * plane];
        long[] labels = new long[samples.size()];
        List<String> skipped = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < samples.size(); i++) {
            try {
                float[] one = futures.get(i).get();
                System.arraycopy(one, 0, pixels, count * plane, plane);
                labels[count++] = samples.get(i).label();
            } catch (ExecutionException e) {
                String reason = samples.get(i).path() + ": " + e.getCause().getMessage();
                skipped.add(reason);
                skippedTotal.incrementAndGet();
                LOG.warning("skipping unreadable image " + reason);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while decoding images", e);
            }
        }
        if (count < samples.size()) {
            pixels = java.util.Arrays.copyOf(pixels, count * plane);
            labels = java.util.Arrays.copyOf(labels, count);
        }
        return new Batch(pixels, labels, count, Collections.unmodifiableList(skipped));
    }

    private float[] evaluationPixels(Path file) {
        int r = preprocessor.resolution();
        byte[] crop = cache == null ? null : cache.get(file, r);
        if (crop == null) {
            crop = preprocessor.crop(ClipPreprocessor.read(file));
            if (cache != null) {
                cache.put(file, r, crop);
            }
        }
        return ClipPreprocessor.normalize(crop);
    }

    /** torchvision's RandomResizedCrop (scale 0.08–1, ratio 3/4–4/3) resized bicubically, then a coin-flip mirror. */
    float[] augmented(BufferedImage image, long seed) {
        SplitMix64 random = new SplitMix64(seed);
        int w = image.getWidth();
        int h = image.getHeight();
        double area = (double) w * h;
        int cw = w;
        int ch = h;
        int x0 = 0;
        int y0 = 0;
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (0.08 + 0.92 * unit(random));
            double logRatio = Math.log(3.0 / 4) + (Math.log(4.0 / 3) - Math.log(3.0 / 4)) * unit(random);
            double ratio = Math.exp(logRatio);
            int tw = (int) Math.round(Math.sqrt(target * ratio));
            int th = (int) Math.round(Math.sqrt(target / ratio));
            if (tw > 0 && th > 0 && tw <= w && th <= h) {
                cw = tw;
                ch = th;
                x0 = random.below(w - tw + 1);
                y0 = random.below(h - th + 1);
                break;
            }
        }
        BufferedImage crop = image.getSubimage(x0, y0, cw, ch);
        boolean flip = (random.next() & 1) == 1;
        return preprocessor.applyExact(crop, flip);
    }

    private static double unit(SplitMix64 random) {
        return (random.next() >>> 11) * 0x1.0p-53;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
