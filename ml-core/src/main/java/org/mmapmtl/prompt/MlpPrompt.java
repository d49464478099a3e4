package org.mmapmtl.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The "mmap-mlp" ablation (paper Table 4, "MLP-generated prompts", 3.96M parameters against MmAP's 0.13M): the
 * Kronecker generator replaced by two MLPs, one generating the text prompt and one the visual prompt. Each layer keeps
 * a source prompt (tokens × {@code sourceWidth}, N(0, 0.02)); the MLPs (Linear, ReLU, Linear; shared by the layers of
 * one parameter set) map each source row to a text and a visual prompt token. The paper does not print the MLPs'
 * widths: {@link #DEFAULT_HIDDEN} is ours, chosen so that the Office-Home framework (3 groups + 4 tasks, ViT-B/16,
 * K = 12, 6 tokens, source width 256) counts 3,955,616 parameters.
 */
public record MlpPrompt(int tokens, int depth, int sourceWidth, int hidden, int textWidth, int visionWidth)
        implements MultiModalPrompt {
    public static final int DEFAULT_HIDDEN = 304;

    @Override
    public List<ParameterSpec> layout() {
        List<ParameterSpec> specs = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            specs.add(ParameterSpec.prompt("layer" + i + ".source", tokens, sourceWidth));
        }
        addMlp(specs, "mlp.text.", textWidth);
        addMlp(specs, "mlp.vision.", visionWidth);
        return specs;
    }

    /** Named as {@code nn.Sequential(Linear, ReLU, Linear)} names its layers: 0 and 2. */
    private void addMlp(List<ParameterSpec> specs, String mlp, int width) {
        specs.add(ParameterSpec.linearWeight(mlp + "0.weight", sourceWidth, hidden));
        specs.add(ParameterSpec.linearBias(mlp + "0.bias", sourceWidth, hidden));
        specs.add(ParameterSpec.linearWeight(mlp + "2.weight", hidden, width));
        specs.add(ParameterSpec.linearBias(mlp + "2.bias", hidden, width));
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
        return PromptModule.layers(depth, i -> {
            NDArray hiddenLayer = Activation.relu(parameter.apply("layer" + i + ".source")
                    .matMul(parameter.apply(mlp + "0.weight")).add(parameter.apply(mlp + "0.bias")));
            return hiddenLayer.matMul(parameter.apply(mlp + "2.weight")).add(parameter.apply(mlp + "2.bias"));
        });
    }
}
