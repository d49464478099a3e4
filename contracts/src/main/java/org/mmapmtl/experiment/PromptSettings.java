package org.mmapmtl.experiment;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Prompt sizes shared by the experiment's prompt methods; 0 keeps each method's own default.
 *
 * @param length      tokens per layer (b for the MmAP family, the context length for CoOp, n_ctx for MaPLe)
 * @param depth       prompted layers (K)
 * @param m           rows of MmAP's source prompt Ps
 * @param n           columns of MmAP's source prompt Ps
 * @param contextInit words CoOp's context starts from (CoOp's {@code CTX_INIT}, e.g. "a photo of a"), which also set
 *                    its length; null: CoOp's random N(0, 0.02) start of {@code length} tokens
 * @param sourcePerLayer MmAP's source prompt: one Ps per prompted layer (true; null, as in specs written before the
 *                    choice existed, reads as true) or one Ps for all K layers (false)
 */
public record PromptSettings(int length, int depth, int m, int n,
                             @JsonInclude(JsonInclude.Include.NON_NULL) String contextInit,
                             @JsonInclude(JsonInclude.Include.NON_NULL) Boolean sourcePerLayer) {
    public PromptSettings(int length, int depth, int m, int n) {
        this(length, depth, m, n, null, null);
    }

    public PromptSettings(int length, int depth, int m, int n, String contextInit) {
        this(length, depth, m, n, contextInit, null);
    }

    public static PromptSettings defaults() {
        return new PromptSettings(0, 0, 0, 0, null, null);
    }

    /** Whether MmAP has one source prompt per layer (the default) or one for all layers. */
    public boolean sourcePerLayerOrDefault() {
        return sourcePerLayer == null || sourcePerLayer;
    }
}
