package org.mmapmtl.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.LayerHook;
import org.mmapmtl.tokenizer.ClipTokenizer;

import java.util.List;

/**
 * CLIP with a method's prompts: image-by-class logits for a task's images. Text prompts overwrite the tokens right
 * after start-of-text ({@code [SOT, prompts, class tokens, ., EOT]}: the placeholders make end-of-text sit b tokens
 * further right than for the bare class name); visual prompts go between the class token and the patches
 * ({@code [CLS, prompts, patches]}) where the embeddings are formed, and are replaced before each deeper prompted
 * block. Where training cannot change the text features (VPT, CLIP-Adapter, zero-shot) they are computed once.
 */
public final class PromptedClip implements AutoCloseable {
    private final ClipModel clip;
    private final PromptMethod method;
    private final List<String> classNames;
    private final long[] classTokens;
    private final NDManager cacheScope;
    /** The class text features when no trainable parameter reaches the text tower: the same for every task. */
    private NDArray frozenText;

    public PromptedClip(ClipModel clip, PromptMethod method, ClipTokenizer tokenizer, List<String> classNames) {
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException("a classifier needs at least one class name");
        }
        this.clip = clip;
        this.method = method;
        this.classNames = List.copyOf(classNames);
        String prefix = method.textPrefix();
        this.classTokens = tokenizer.tokenizeAll(classNames.stream().map(c -> prefix + " " + c + ".").toList(),
                clip.config().text().contextLength(), true);
        this.cacheScope = NDManager.newBaseManager(clip.device());
    }

    public ClipModel clip() {
        return clip;
    }

    public PromptMethod method() {
        return method;
    }

    public List<String> classNames() {
        return classNames;
    }

    /** The token ids of each class's text, [classes × context] row-major (for tests and inspection). */
    public long[] classTokens() {
        return classTokens.clone();
    }

    /** [images, classes] logits of one task, on the images' manager. */
    public NDArray logits(int task, NDArray images) {
        NDManager scope = images.getManager();
        PromptMethod.TaskPrompts prompts = method.prompts(task);
        NDArray text = textFeatures(prompts, scope);
        NDArray image = method.adaptImage(task, clip.encodeImage(images, visionHook(prompts.vision())));
        return clip.logits(image, text);
    }

    /** Normalization happens in {@link ClipModel#logits}; these are unnormalized as encode_text returns them. */
    private NDArray textFeatures(PromptMethod.TaskPrompts prompts, NDManager scope) {
        if (!method.textTrainable()) {
            if (frozenText == null) {
                frozenText = encodeText(prompts.text(), cacheScope);
            }
            return frozenText;
        }
        return encodeText(prompts.text(), scope);
    }

    private NDArray encodeText(List<NDArray> layers, NDManager scope) {
        int context = clip.config().text().contextLength();
        NDArray tokens = scope.create(classTokens, new Shape(classNames.size(), context));
        return clip.encodeText(tokens, textHook(layers), 0);
    }

    private static LayerHook textHook(List<NDArray> layers) {
        if (layers.isEmpty()) {
            return LayerHook.NONE;
        }
        return new LayerHook() {
            @Override
            public NDArray embedded(NDArray x) {
                return overwriteAfterFirst(x, layers.get(0));
            }

            @Override
            public NDArray beforeBlock(int layer, NDArray x) {
                return layer > 0 && layer < layers.size() ? overwriteAfterFirst(x, layers.get(layer)) : x;
            }
        };
    }

    private static LayerHook visionHook(List<NDArray> layers) {
        if (layers.isEmpty()) {
            return LayerHook.NONE;
        }
        return new LayerHook() {
            @Override
            public NDArray embedded(NDArray x) {
                NDArray prompts = broadcast(layers.get(0), x);
                return x.get(":, :1, :").concat(prompts, 1).concat(x.get(":, 1:, :"), 1);
            }

            @Override
            public NDArray beforeBlock(int layer, NDArray x) {
                return layer > 0 && layer < layers.size() ? overwriteAfterFirst(x, layers.get(layer)) : x;
            }
        };
    }

    /** x[:, 1 : 1+b] ← prompts, for every sequence of the batch. */
    private static NDArray overwriteAfterFirst(NDArray x, NDArray prompts) {
        long b = prompts.getShape().get(0);
        NDArray p = broadcast(prompts, x);
        return x.get(":, :1, :").concat(p, 1).concat(x.get(new NDIndex(":, {}:, :", 1 + b)), 1);
    }

    /** [b, width] → [batch, b, width] on x's manager. */
    private static NDArray broadcast(NDArray prompts, NDArray x) {
        Shape s = prompts.getShape();
        NDArray p = prompts.expandDims(0).broadcast(new Shape(x.getShape().get(0), s.get(0), s.get(1)));
        if (p.getManager() != x.getManager()) {
            p.attach(x.getManager());
        }
        return p;
    }

    @Override
    public void close() {
        cacheScope.close();
    }
}
