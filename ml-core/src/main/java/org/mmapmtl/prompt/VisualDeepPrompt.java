package org.mmapmtl.prompt;

import ai.djl.ndarray.NDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** VPT-deep: new visual prompt tokens (N(0, 0.02)) at each of the first {@code depth} image layers; text untouched. */
public record VisualDeepPrompt(int tokens, int depth, int visionWidth) implements PromptModule {
    /**
     * 18: the paper's VPT-MT 0.17M and VPT 0.68M (ViT-B/16, 4 tasks) are 12 layers × 768 × t with t ≈ 18.4 and 18.4;
     * no whole t hits both, 18 is within 2.5 % of each (165,888 and 663,552).
     */
    public static final int DEFAULT_TOKENS = 18;

    @Override
    public List<ParameterSpec> layout() {
        List<ParameterSpec> specs = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            specs.add(ParameterSpec.prompt("vision." + i, tokens, visionWidth));
        }
        return specs;
    }

    @Override
    public int visionTokens() {
        return tokens;
    }

    @Override
    public List<NDArray> vision(Function<String, NDArray> parameter) {
        return PromptModule.layers(depth, i -> parameter.apply("vision." + i));
    }
}
