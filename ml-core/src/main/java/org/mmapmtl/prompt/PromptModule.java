package org.mmapmtl.prompt;

import ai.djl.ndarray.NDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * One set of a method's trainable parameters and how they enter CLIP. A method holds one module per parameter set:
 * one for all tasks (multi-task), one per task (single-task), or a group-shared plus a task-specific one (MmAP's
 * framework), whose tokens are concatenated per layer. Token lists are indexed by layer: entry 0 enters where the
 * embeddings are formed, entry k replaces the previous layer's prompt tokens before block k; after the last entry
 * the tokens flow on through the remaining blocks.
 */
public interface PromptModule {

    /** The module's parameters, names relative to the module. */
    List<ParameterSpec> layout();

    /** b: text prompt tokens per layer (0 = no text prompt). */
    default int textTokens() {
        return 0;
    }

    /** Visual prompt tokens per layer (0 = none). */
    default int visionTokens() {
        return 0;
    }

    /** [textTokens, textWidth] per prompted text layer. */
    default List<NDArray> text(Function<String, NDArray> parameter) {
        return List.of();
    }

    /** [visionTokens, visionWidth] per prompted image layer. */
    default List<NDArray> vision(Function<String, NDArray> parameter) {
        return List.of();
    }

    /** The tokens of layers 0 .. depth−1, as one module computes each layer's. */
    static List<NDArray> layers(int depth, IntFunction<NDArray> layer) {
        List<NDArray> out = new ArrayList<>(depth);
        for (int i = 0; i < depth; i++) {
            out.add(layer.apply(i));
        }
        return out;
    }

    /** Changes the image features (CLIP-Adapter); identity for prompt methods. */
    default NDArray adaptImage(NDArray features, Function<String, NDArray> parameter) {
        return features;
    }
}
