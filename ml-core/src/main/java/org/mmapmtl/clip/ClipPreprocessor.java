package org.mmapmtl.clip;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The reference image transform: resize the shorter side to the model's resolution with PIL's bicubic filter
 * (antialiased, 8-bit fixed point, horizontal pass then vertical, exactly as Pillow computes it), center crop,
 * RGB, scale to [0, 1] and normalize with CLIP's mean and std. Output is channel-first float32.
 */
public final class ClipPreprocessor {
    static final float[] MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    static final float[] STD = {0.26862954f, 0.26130258f, 0.27577711f};
    /** Pillow's fixed-point precision for 8-bit resampling: 32 − 8 − 2 bits. */
    private static final int PRECISION_BITS = 22;

    private final int resolution;

    public ClipPreprocessor(int resolution) {
        this.resolution = resolution;
    }

    public int resolution() {
        return resolution;
    }

    /**
     * Reads an image file; a missing, unreadable, truncated or damaged one fails with its path (the decoders would
     * otherwise fill a truncated JPEG's missing rows with grey and say nothing).
     */
    public static BufferedImage read(Path file) {
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such image file");
        }
        try (javax.imageio.stream.ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            java.util.Iterator<javax.imageio.ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new IllegalArgumentException(file + ": not an image format this reader knows (JPEG, PNG, BMP, GIF)");
            }
            javax.imageio.ImageReader reader = readers.next();
            java.util.List<String> warnings = new java.util.ArrayList<>();
            try {
                // decoders warn, not fail, on missing or corrupt data; other warnings (a CMYK file without a colour
                // profile, say) do not make an image unusable
                reader.addIIOReadWarningListener((source, warning) -> {
                    String w = warning.toLowerCase(java.util.Locale.ROOT);
                    if (w.contains("premature end") || w.contains("corrupt") || w.contains("truncat")) {
                        warnings.add(warning);
                    }
                });
                reader.setInput(in, true, true);
                BufferedImage image = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new IllegalArgumentException(file + ": damaged image (" + String.join("; ", warnings) + ")");
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (IOException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException(file + ": cannot read image: " + e.getMessage(), e);
        }
    }

    /** [3, resolution, resolution], channel-first, normalized. */
    public float[] apply(BufferedImage image) {
        return normalize(crop(image));
    }

    /**
     * The reference transform up to its 8-bit result: the resized, center-cropped image as channel-first bytes
     * [3, resolution, resolution]. Exact (Pillow resamples to 8 bits), so this is what a cache of preprocessed
     * images can keep without losing anything.
     */
    public byte[] crop(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        // torchvision Resize(int): the shorter side becomes `resolution`, the longer is scaled and truncated
        int newW;
        int newH;
        if (w <= h) {
            newW = resolution;
            newH = (int) ((long) resolution * h / w);
        } else {
            newH = resolution;
            newW = (int) ((long) resolution * w / h);
        }
        int[][] channels = channels(image);
        if (newW != w || newH != h) {
            for (int c = 0; c < 3; c++) {
                channels[c] = resizeBicubic(channels[c], w, h, newW, newH);
            }
        }
        // torchvision CenterCrop: offsets rounded half to even, as Python's round
        int top = (int) Math.rint((newH - resolution) / 2.0);
        int left = (int) Math.rint((newW - resolution) / 2.0);
        byte[] out = new byte[3 * resolution * resolution];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < resolution; y++) {
                for (int x = 0; x < resolution; x++) {
                    out[(c * resolution + y) * resolution + x] = (byte) channels[c][(y + top) * newW + (x + left)];
                }
            }
        }
        return out;
    }

    /** Resizes the whole image to resolution × resolution (no crop), optionally mirrored: the augmentation's last step. */
    public float[] applyExact(BufferedImage image, boolean mirror) {
        int w = image.getWidth();
        int h = image.getHeight();
        int r = resolution;
        int[][] channels = channels(image);
        byte[] out = new byte[3 * r * r];
        for (int c = 0; c < 3; c++) {
            int[] resized = w == r && h == r ? channels[c] : resizeBicubic(channels[c], w, h, r, r);
            for (int y = 0; y < r; y++) {
                for (int x = 0; x < r; x++) {
                    out[(c * r + y) * r + x] = (byte) resized[y * r + (mirror ? r - 1 - x : x)];
                }
            }
        }
        return normalize(out);
    }

    /** Channel-first 8-bit pixels to [0, 1], then CLIP's mean and std. */
    public static float[] normalize(byte[] pixels) {
        int plane = pixels.length / 3;
        float[] out = new float[pixels.length];
        for (int c = 0; c < 3; c++) {
            float mean = MEAN[c];
            float std = STD[c];
            for (int i = c * plane, end = i + plane; i < end; i++) {
                out[i] = ((pixels[i] & 0xff) / 255.0f - mean) / std;
            }
        }
        return out;
    }

    private static int[][] channels(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int[] rgb = image.getRGB(0, 0, w, h, null, 0, w);
        int[][] channels = new int[3][w * h];
        for (int i = 0; i < rgb.length; i++) {
            channels[0][i] = (rgb[i] >> 16) & 0xff;
            channels[1][i] = (rgb[i] >> 8) & 0xff;
            channels[2][i] = rgb[i] & 0xff;
        }
        return channels;
    }

    /** Pillow's ImagingResample for one 8-bit channel: horizontal pass, then vertical, each clipped to 0..255. */
    static int[] resizeBicubic(int[] in, int w, int h, int newW, int newH) {
        int[] horizontal = in;
        if (newW != w) {
            Coefficients cx = coefficients(w, newW);
            horizontal = new int[newW * h];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < newW; x++) {
                    int sum = 1 << (PRECISION_BITS - 1);
                    int start = cx.start[x];
                    for (int k = 0; k < cx.count[x]; k++) {
                        sum += in[y * w + start + k] * cx.weights[x * cx.size + k];
                    }
                    horizontal[y * newW + x] = clip8(sum);
                }
            }
        }
        if (newH == h) {
            return horizontal;
        }
        Coefficients cy = coefficients(h, newH);
        int[] out = new int[newW * newH];
        for (int y = 0; y < newH; y++) {
            int start = cy.start[y];
            for (int x = 0; x < newW; x++) {
                int sum = 1 << (PRECISION_BITS - 1);
                for (int k = 0; k < cy.count[y]; k++) {
                    sum += horizontal[(start + k) * newW + x] * cy.weights[y * cy.size + k];
                }
                out[y * newW + x] = clip8(sum);
            }
        }
        return out;
    }

    private static int clip8(int sum) {
        int v = sum >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private record Coefficients(int size, int[] start, int[] count, int[] weights) {
    }

    /** Pillow's precompute_coeffs + normalize_coeffs_8bpc for the bicubic filter (a = −0.5, support 2). */
    private static Coefficients coefficients(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = 2.0 * filterScale;
        int size = (int) Math.ceil(support) * 2 + 1;
        int[] start = new int[outSize];
        int[] count = new int[outSize];
        int[] weights = new int[outSize * size];
        double[] k = new double[size];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double invScale = 1.0 / filterScale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) {
                xmin = 0;
            }
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) {
                xmax = inSize;
            }
            xmax -= xmin;
            double total = 0;
            for (int x = 0; x < xmax; x++) {
                double weight = bicubic((x + xmin - center + 0.5) * invScale);
                k[x] = weight;
                total += weight;
            }
            for (int x = 0; x < xmax; x++) {
                double normalized = total != 0 ? k[x] / total : k[x];
                weights[xx * size + x] = normalized < 0 ? (int) (-0.5 + normalized * (1 << PRECISION_BITS))
                        : (int) (0.5 + normalized * (1 << PRECISION_BITS));
            }
            start[xx] = xmin;
            count[xx] = xmax;
        }
        return new Coefficients(size, start, count, weights);
    }

    private static double bicubic(double x) {
        final double a = -0.5;
        x = Math.abs(x);
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }
}
