package org.mmapmtl.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.LayerHook;
import org.mmapmtl.tokenizer.ClipTokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    /** Positions up to the longest class text's end-of-text: all that the text tower needs to run over. */
    private final int textLength;
    private final long[] cutTokens;
    private final NDManager cacheScope;
    /** The class text features when no trainable parameter reaches the text tower: the same for every task. */
    private NDArray frozenText;

    public PromptedClip(ClipModel clip, PromptMethod method, ClipTokenizer tokenizer, List<String> classNames) {
        this(clip, method, tokenizer, classNames, true);
    }

    /**
     * @param cutContext whether the text tower runs only up to the longest class text's end-of-text (the default;
     *                   the same features as the full context) or over the whole context, as the reference does
     */
    public PromptedClip(ClipModel clip, PromptMethod method, ClipTokenizer tokenizer, List<String> classNames,
                        boolean cutContext) {
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException("a classifier needs at least one class name");
        }
        this.clip = clip;
        this.method = method;
        this.classNames = List.copyOf(classNames);
        String prefix = method.textPrefix();
        int context = clip.config().text().contextLength();
        this.classTokens = tokenizer.tokenizeAll(classNames.stream().map(c -> prefix + " " + c + ".").toList(),
                context, true);
        this.textLength = cutContext ? textLength(classTokens, context, tokenizer.endOfText()) : context;
        this.cutTokens = cut(classTokens, context, textLength);
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
        return logits(List.of(task), List.of(images)).get(0);
    }

    /**
     * Logits of several tasks' batches at once, each [images of batch i, classes], in the order given, equal to
     * {@link #logits(int, NDArray)} per batch but cheaper: tasks that use the same parameter sets (every task of a
     * multi-task method, the tasks of one group without task-specific sets) share one text forward and one image
     * forward over their concatenated images (bigger GEMMs).
     */
    public List<NDArray> logits(List<Integer> tasks, List<NDArray> images) {
        if (tasks.size() != images.size()) {
            throw new IllegalArgumentException(tasks.size() + " tasks but " + images.size() + " image batches");
        }
        Map<List<String>, List<Integer>> bySlots = new LinkedHashMap<>();
        for (int i = 0; i < tasks.size(); i++) {
            bySlots.computeIfAbsent(method.slots(tasks.get(i)), k -> new ArrayList<>()).add(i);
        }
        NDArray[] out = new NDArray[tasks.size()];
        for (List<Integer> members : bySlots.values()) {
            int task = tasks.get(members.get(0));
            NDManager scope = images.get(members.get(0)).getManager();
            PromptMethod.TaskPrompts prompts = method.prompts(task);
            NDArray text = textFeatures(prompts, scope);
            NDArray pixels = members.size() == 1 ? images.get(members.get(0))
                    : NDArrays.concat(new NDList(members.stream().map(images::get).toArray(NDArray[]::new)), 0);
            NDArray logits = imageLogits(task, prompts, pixels, text);
            long at = 0;
            for (int i : members) {
                long n = images.get(i).getShape().get(0);
                out[i] = members.size() == 1 ? logits : logits.get(new NDIndex("{}:{}", at, at + n));
                at += n;
            }
        }
        return List.of(out);
    }

    /**
     * A task's class text features: what {@link #logits(int, NDArray, NDArray)} scores images against while the
     * parameters stay as they are (evaluation computes them once per task, not once per batch). Bind the method's
     * parameters to {@code scope} first; the features are then on {@code scope}, except where no trainable parameter
     * reaches the text tower: then they are the model's shared cache, which the caller must neither close nor attach.
     */
    public NDArray textFeatures(int task, NDManager scope) {
        return textFeatures(method.prompts(task), scope);
    }

    /** {@link #logits(int, NDArray)} against class text features from {@link #textFeatures(int, NDManager)}. */
    public NDArray logits(int task, NDArray images, NDArray textFeatures) {
        Shape expected = new Shape(classNames.size(), clip.config().embedDim());
        if (!textFeatures.getShape().equals(expected)) {
            throw new IllegalArgumentException("text features of shape " + textFeatures.getShape() + " for " + expected
                    + " (classes, joint dimension): pass what textFeatures(task, scope) returned for this model");
        }
        return imageLogits(task, method.prompts(task), images, textFeatures);
    }

    private NDArray imageLogits(int task, PromptMethod.TaskPrompts prompts, NDArray pixels, NDArray text) {
        NDArray image = method.adaptImage(task, clip.encodeImage(pixels, visionHook(prompts.vision())));
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
        NDArray tokens = scope.create(cutTokens, new Shape(classNames.size(), textLength));
        return clip.encodeText(tokens, textHook(layers), 0);
    }

    /** 1 + the largest end-of-text position over the rows (rows are {@code context} long). */
    static int textLength(long[] rows, int context, int endOfText) {
        int longest = 0;
        for (int r = 0; r < rows.length / context; r++) {
            for (int i = 0; i < context; i++) {
                if (rows[r * context + i] == endOfText) {
                    longest = Math.max(longest, i + 1);
                    break;
                }
            }
        }
        return longest == 0 ? context : longest;
    }

    private static long[] cut(long[] rows, int context, int length) {
        int count = rows.length / context;
        long[] out = new long[count * length];
        for (int r = 0; r < count; r++) {
            System.arraycopy(rows, r * context, out, r * length, length);
        }
        return out;
    }

    /** How many positions the text tower runs over (the longest class text, end-of-text included). */
    public int textLength() {
        return textLength;
    }

    private static LayerHook textHook(List<NDArray> layers) {
        if (layers.isEmpty()) {
            return LayerHook.NONE;
        }
        return new LayerHook() {
            @Override
            public NDArray embedded(NDArray x) {
                return PromptOverwrite.apply(x, layers.get(0));
            }

            @Override
            public NDArray beforeBlock(int layer, NDArray x) {
                return layer > 0 && layer < layers.size() ? PromptOverwrite.apply(x, layers.get(layer)) : x;
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
                NDArray prompts = PromptOverwrite.broadcast(layers.get(0), x);
                return x.get(":, :1, :").concat(prompts, 1).concat(x.get(":, 1:, :"), 1);
            }

            @Override
            public NDArray beforeBlock(int layer, NDArray x) {
                return layer > 0 && layer < layers.size() ? PromptOverwrite.apply(x, layers.get(layer)) : x;
            }
        };
    }

    @Override
    public void close() {
        cacheScope.close();
    }
}
