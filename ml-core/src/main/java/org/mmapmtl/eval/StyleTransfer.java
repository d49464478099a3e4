package org.mmapmtl.eval;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipPreprocessor;
import org.mmapmtl.clip.ZeroShotClassifier;
import org.mmapmtl.data.ShapeWorld;
import org.mmapmtl.tokenizer.ClipTokenizer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How well a CLIP recognises the shape world's classes zero-shot ("a photo of a {shape}.") in each style: the check
 * that pretraining transferred, to the styles it saw and, more to the point, to those it never saw. The images are
 * drawn in memory from their own seed, apart from any dataset written to disk.
 */
public final class StyleTransfer {
    private StyleTransfer() {
    }

    /** Zero-shot accuracy in [0, 1] per style, over {@code perClass} images of each of the first {@code classes} shapes. */
    public static Map<String, Double> zeroShot(ClipModel clip, ClipTokenizer tokenizer, List<String> styles, int classes,
                                               int perClass, long seed) {
        int resolution = clip.config().vision().resolution();
        ClipPreprocessor preprocessor = new ClipPreprocessor(resolution);
        Map<String, Double> out = new LinkedHashMap<>();
        try (ZeroShotClassifier classifier = new ZeroShotClassifier(clip, tokenizer,
                ShapeWorld.SHAPES.subList(0, classes));
             NDManager scope = NDManager.newBaseManager(clip.device())) {
            for (String style : styles) {
                int n = classes * perClass;
                int plane = 3 * resolution * resolution;
                float[] pixels = new float[n * plane];
                int[] labels = new int[n];
                for (int i = 0; i < n; i++) {
                    labels[i] = i % classes;
                    float[] p = preprocessor.apply(ShapeWorld.probeImage(seed, style, labels[i], i / classes, resolution));
                    System.arraycopy(p, 0, pixels, i * plane, plane);
                }
                try (NDManager batch = scope.newSubManager()) {
                    long[] predicted = classifier.classify(batch.create(pixels, new Shape(n, 3, resolution, resolution)));
                    int right = 0;
                    for (int i = 0; i < n; i++) {
                        right += predicted[i] == labels[i] ? 1 : 0;
                    }
                    out.put(style, right / (double) n);
                }
            }
        }
        return out;
    }
}
