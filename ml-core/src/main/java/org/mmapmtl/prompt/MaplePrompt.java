package org.mmapmtl.prompt;

import ai.djl.ndarray.NDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * MaPLe: text prompts of {@code tokens} vectors at each of the first {@code depth} text layers, overwriting the words
 * right after start-of-text of "a photo of a {class}." (the first layer's start from those words' embeddings); the
 * visual prompts of each layer are a linear projection (text width → vision width) of that layer's text prompts.
 */
public record MaplePrompt(int tokens, int depth, int textWidth, int visionWidth) implements MultiModalPrompt {
    public static final int DEFAULT_TOKENS = 2;
    /** 12, not MaPLe's published 9: the paper's MaPLe-MT 4.8M and MaPLe 19.2M count 12 prompted layers. */
    public static final int DEFAULT_DEPTH = 12;
    public static final String TEMPLATE_PREFIX = "a photo of a";

    @Override
    public List<ParameterSpec> layout() {
        List<ParameterSpec> specs = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            specs.add(ParameterSpec.prompt("text." + i, tokens, textWidth));
        }
        for (int i = 0; i < depth; i++) {
            specs.add(ParameterSpec.linearWeight("proj." + i + ".weight", textWidth, visionWidth));
            specs.add(ParameterSpec.linearBias("proj." + i + ".bias", textWidth, visionWidth));
        }
        return specs;
    }

    @Override
    public List<NDArray> text(Function<String, NDArray> parameter) {
        return PromptModule.layers(depth, i -> parameter.apply("text." + i));
    }

    @Override
    public List<NDArray> vision(Function<String, NDArray> parameter) {
        return PromptModule.layers(depth, i -> parameter.apply("text." + i).matMul(parameter.apply("proj." + i + ".weight"))
                .add(parameter.apply("proj." + i + ".bias")));
    }
}
