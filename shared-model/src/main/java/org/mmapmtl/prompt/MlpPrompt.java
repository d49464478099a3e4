package org.mmapmtl.prompt;

import ai.djl.ndarray.NDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The "mmap-mlp" ablation: the Kronecker generator replaced by learned linear maps. Each layer keeps a small source
 * prompt (tokens × {@code sourceWidth}, N(0, 0.02)); one linear layer per modality, shared by all layers, maps it to
 * the text and the visual prompt of that layer.
 */
public record MlpPrompt(int tokens, int depth, int sourceWidth, int textWidth, int visionWidth) implements MultiModalPrompt {
    public static final int DEFAULT_SOURCE_WIDTH = 32;

    @Override
    public List<ParameterSpec> layout() {
        List<ParameterSpec> specs = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            specs.add(ParameterSpec.prompt("layer" + i + ".source", tokens, sourceWidth));
        }
        specs.add(ParameterSpec.linearWeight("mlp.text.weight", sourceWidth, textWidth));
        specs.add(ParameterSpec.linearBias("mlp.text.bias", sourceWidth, textWidth));
        specs.add(ParameterSpec.linearWeight("mlp.vision.weight", sourceWidth, visionWidth));
        specs.add(ParameterSpec.linearBias("mlp.vision.bias", sourceWidth, visionWidth));
        return specs;
    }

    @Override
    public List<NDArray> text(Function<String, NDArray> parameter) {
        return generate(parameter, "mlp.text.");
    }

    @Override
    public List<NDArray> vision(Function<String, NDArray> parameter) {
        return generate(parameter, "mlp.vision.");
    }

    private List<NDArray> generate(Function<String, NDArray> parameter, String mlp) {
        return PromptModule.layers(depth, i -> parameter.apply("layer" + i + ".source").matMul(parameter.apply(mlp + "weight"))
                .add(parameter.apply(mlp + "bias")));
    }
}
