package org.mmapmtl.prompt;

import ai.djl.ndarray.NDArray;

import java.util.List;
import java.util.function.Function;

/** CoOp: a learned text context of {@code tokens} vectors (N(0, 0.02)) in front of the class name, text side only. */
public record CoopPrompt(int tokens, int textWidth) implements PromptModule {
    public static final int DEFAULT_TOKENS = 16;

    @Override
    public List<ParameterSpec> layout() {
        return List.of(ParameterSpec.prompt("ctx", tokens, textWidth));
    }

    @Override
    public int textTokens() {
        return tokens;
    }

    @Override
    public List<NDArray> text(Function<String, NDArray> parameter) {
        return List.of(parameter.apply("ctx"));
    }
}
