package org.mmapmtl.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.mmapmtl.tokenizer.ClipTokenizer;

import java.util.List;

/**
 * CLIP zero-shot classification: each class is the text "a photo of a {class}.", an image gets the class whose
 * normalized text features are closest to its own. The class features are computed once and kept.
 */
public final class ZeroShotClassifier implements AutoCloseable {
    public static final String TEMPLATE = "a photo of a {}.";

    private final ClipModel model;
    private final NDManager classScope;
    private final NDArray classFeatures;
    private final List<String> classNames;

    public ZeroShotClassifier(ClipModel model, ClipTokenizer tokenizer, List<String> classNames, String template) {
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException("zero-shot classification needs at least one class name");
        }
        if (!template.contains("{}")) {
            throw new IllegalArgumentException("template '" + template + "' has no {} where the class name goes");
        }
        this.model = model;
        this.classNames = List.copyOf(classNames);
        this.classScope = NDManager.newBaseManager(model.device());
        int context = model.config().text().contextLength();
        long[] ids = tokenizer.tokenizeAll(classNames.stream().map(c -> template.replace("{}", c)).toList(), context, true);
        NDArray features = model.encodeText(classScope.create(ids, new Shape(classNames.size(), context)));
        this.classFeatures = features.div(features.norm(new int[] {1}, true));
    }

    public ZeroShotClassifier(ClipModel model, ClipTokenizer tokenizer, List<String> classNames) {
        this(model, tokenizer, classNames, TEMPLATE);
    }

    public List<String> classNames() {
        return classNames;
    }

    /** [images, classes] scaled cosine similarities, on the images' manager. */
    public NDArray logits(NDArray images) {
        NDArray features = model.encodeImage(images);
        features = features.div(features.norm(new int[] {1}, true));
        return Scalars.times(features.matMul(classFeatures.transpose()), model.logitScale());
    }

    /** The index of the predicted class of each image. */
    public long[] classify(NDArray images) {
        return logits(images).argMax(1).toLongArray();
    }

    @Override
    public void close() {
        classScope.close();
    }
}
