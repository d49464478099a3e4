package org.mmapmtl.prompt;

import ai.djl.ndarray.NDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The "mmap-joint" ablation: independent text and visual prompts (N(0, 0.02)) at the same layers and lengths as MmAP,
 * with nothing shared between the modalities.
 */
public record JointPrompt(int tokens, int depth, int textWidth, int visionWidth) implements MultiModalPrompt {

    @Override
    public List<ParameterSpec> layout() {
        List<ParameterSpec> specs = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            specs.add(ParameterSpec.prompt("layer" + i + ".text", tokens, textWidth));
            specs.add(ParameterSpec.prompt("layer" + i + ".vision", tokens, visionWidth));
        }
        return specs;
    }

    @Override
    public List<NDArray> text(Function<String, NDArray> parameter) {
        return PromptModule.layers(depth, i -> parameter.apply("layer" + i + ".text"));
    }

    @Override
    public List<NDArray> vision(Function<String, NDArray> parameter) {
        return PromptModule.layers(depth, i -> parameter.apply("layer" + i + ".vision"));
    }
}
