package org.mmapmtl.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import org.mmapmtl.clip.Scalars;

import java.util.List;
import java.util.function.Function;

/**
 * CLIP-Adapter (visual): a bottleneck MLP without biases (embed → embed/reduction → embed, ReLU after each) on the
 * image features, mixed residually: ratio · adapter(f) + (1 − ratio) · f. Defaults as its paper: reduction 4,
 * ratio 0.2.
 */
public record ClipAdapter(int embedDim, int reduction, double ratio) implements PromptModule {
    public static final int DEFAULT_REDUCTION = 4;
    public static final double DEFAULT_RATIO = 0.2;

    @Override
    public List<ParameterSpec> layout() {
        int hidden = embedDim / reduction;
        return List.of(ParameterSpec.linearWeight("fc1", embedDim, hidden), ParameterSpec.linearWeight("fc2", hidden, embedDim));
    }

    @Override
    public NDArray adaptImage(NDArray features, Function<String, NDArray> parameter) {
        NDArray adapted = Activation.relu(Activation.relu(features.matMul(parameter.apply("fc1"))).matMul(parameter.apply("fc2")));
        return Scalars.times(adapted, (float) ratio).add(Scalars.times(features, (float) (1 - ratio)));
    }
}
