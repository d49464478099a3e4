package org.mmapmtl.clip;

import ai.djl.ndarray.NDArray;

/**
 * Lets a prompt method change the token sequence of an encoder: insert or overwrite tokens where the embeddings are
 * formed, replace them before deeper blocks. Arrays are [batch, tokens, width]; the returned array continues the
 * forward.
 */
@FunctionalInterface
public interface LayerHook {
    LayerHook NONE = (layer, x) -> x;

    /**
     * The embedded sequence. Image tower: class token and patches with their positions added, before ln_pre (where
     * MaPLe and VPT append their first visual prompts). Text tower: token embeddings before the positions are added
     * (where CoOp's context vectors replace the placeholder tokens), so the length must stay the context length.
     */
    default NDArray embedded(NDArray x) {
        return x;
    }

    NDArray beforeBlock(int layer, NDArray x);
}
