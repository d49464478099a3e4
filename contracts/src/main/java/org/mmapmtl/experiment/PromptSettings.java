package org.mmapmtl.experiment;

/**
 * Prompt sizes shared by the experiment's prompt methods; 0 keeps each method's own default.
 *
 * @param length tokens per layer (b for the MmAP family, the context length for CoOp, n_ctx for MaPLe)
 * @param depth  prompted layers (K)
 * @param m      rows of MmAP's source prompt Ps
 * @param n      columns of MmAP's source prompt Ps
 */
public record PromptSettings(int length, int depth, int m, int n) {
    public static PromptSettings defaults() {
        return new PromptSettings(0, 0, 0, 0);
    }
}
