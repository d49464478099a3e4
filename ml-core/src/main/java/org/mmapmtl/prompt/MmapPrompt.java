package org.mmapmtl.prompt;

import ai.djl.ndarray.NDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * MmAP (paper §MmAP): at each of the first {@code depth} layers of both encoders a source prompt Ps (m×n,
 * N(0, 0.02)) and two modality factors Ml ((b/m)×(dl/n)) and Mv ((b/m)×(dv/n)); the text prompt is Ml ⊗ Ps and the
 * visual prompt Mv ⊗ Ps, so both modalities' prompts are generated from, and aligned through, the same source.
 * The factors start N(0, 1) so that the generated prompts start at the same scale (std 0.02) as CoOp's and MaPLe's.
 * <p>
 * The paper's framework section gives each layer its own source ("P_G = {P_G^k}, k = 1..K", {@code sourcePerLayer}
 * true, the default), while its parameter count "mn + K(dl+dv)/mn" reads as one Ps shared by all K layers, each
 * layer with its own factors ({@code sourcePerLayer} false).
 */
public record MmapPrompt(KroneckerPrompt kronecker, int depth, boolean sourcePerLayer) implements MultiModalPrompt {
    /** b = m = 6, n = 256 are ours (the paper prints none): with K = 12 they give its 0.13M for Office-Home. */
    public static final int DEFAULT_TOKENS = 6;
    public static final int DEFAULT_M = 6;
    public static final int DEFAULT_N = 256;
    /** The paper's K: every layer of both encoders ("consisting of K transformer layers"); capped by the model's. */
    public static final int DEFAULT_DEPTH = 12;

    @Override
    public List<ParameterSpec> layout() {
        List<ParameterSpec> specs = new ArrayList<>();
        if (!sourcePerLayer) {
            specs.add(new ParameterSpec("source", kronecker.sourceShape().getShape(), new ParameterSpec.Normal(0.02)));
        }
        for (int i = 0; i < depth; i++) {
            if (sourcePerLayer) {
                specs.add(new ParameterSpec(source(i), kronecker.sourceShape().getShape(), new ParameterSpec.Normal(0.02)));
            }
            specs.add(new ParameterSpec("layer" + i + ".text", kronecker.textFactorShape().getShape(),
                    new ParameterSpec.Normal(1)));
            specs.add(new ParameterSpec("layer" + i + ".vision", kronecker.visionFactorShape().getShape(),
                    new ParameterSpec.Normal(1)));
        }
        return specs;
    }

    @Override
    public int tokens() {
        return kronecker.promptLength();
    }

    @Override
    public List<NDArray> text(Function<String, NDArray> parameter) {
        return PromptModule.layers(depth, i -> kronecker.textPrompt(parameter.apply("layer" + i + ".text"),
                parameter.apply(source(i))));
    }

    @Override
    public List<NDArray> vision(Function<String, NDArray> parameter) {
        return PromptModule.layers(depth, i -> kronecker.visualPrompt(parameter.apply("layer" + i + ".vision"),
                parameter.apply(source(i))));
    }

    private String source(int layer) {
        return sourcePerLayer ? "layer" + layer + ".source" : "source";
    }
}
