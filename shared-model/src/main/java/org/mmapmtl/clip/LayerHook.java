package org.mmapmtl.clip;

import ai.djl.ndarray.NDArray;

/**
 * Lets a prompt method change the token sequence entering a residual block: insert tokens before the first block,
 * replace them at deeper ones. {@code x} is [batch, tokens, width]; the returned array continues the forward.
 */
@FunctionalInterface
public interface LayerHook {
    LayerHook NONE = (layer, x) -> x;

    NDArray beforeBlock(int layer, NDArray x);
}
