package org.mmapmtl.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;

/**
 * CLIP's activation, x·σ(1.702·x), written as libtorch's SiLU of the scaled input, silu(1.702·x)/1.702 (the same
 * function; the results differ in float rounding only). As three DJL ops the backward takes five passes over the
 * MLP's hidden activations (the product's two factors, the sigmoid's backward, the scaling's, and the sum of the two
 * paths); SiLU has its own backward, so this takes three, the largest element-wise arrays of a block. Reached through
 * a {@link ScriptModule}, as DJL has no SiLU; where the engine cannot compile it, the three ops.
 */
final class QuickGelu {
    private static final float SCALE = 1.702f;
    private static final String FORWARD = """
            def forward(self: __torch__.QuickGelu,
              x: Tensor) -> Tensor:
              return torch.silu(x * 1.702) / 1.702
            """;

    private static final class Holder {
        /** Held for the JVM's life; null where the three ops are used. */
        static final ScriptModule MODULE = ScriptModule.compileOrNull("QuickGelu", FORWARD,
                "QuickGELU runs as three ops");
    }

    private QuickGelu() {
    }

    static NDArray apply(NDArray x) {
        ScriptModule module = Holder.MODULE;
        if (module == null) {
            return threeOps(x);
        }
        return module.forward(new NDList(x)).singletonOrThrow();
    }

    /** The fallback, x·σ(1.702·x) as DJL ops (package-private so that the test compares the branch in use). */
    static NDArray threeOps(NDArray x) {
        return x.mul(Activation.sigmoid(Scalars.times(x, SCALE)));
    }

    /** Whether the SiLU module is in use (tests). */
    static boolean fused() {
        return Holder.MODULE != null;
    }
}
