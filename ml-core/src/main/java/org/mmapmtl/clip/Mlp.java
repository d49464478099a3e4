package org.mmapmtl.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * A residual block's MLP in float32, c_proj(QuickGELU(c_fc(x))), with QuickGELU's two scalings inside the GEMMs.
 * QuickGELU is silu(1.702·u)/1.702 ({@link QuickGelu}); libtorch's addmm computes β·bias + α·(x·W) in the GEMM itself,
 * so c_fc with α = β = 1.702 gives 1.702·u and c_proj with α = 1/1.702 divides by it. Written as ops, the two
 * scalings are two passes over the MLP's hidden activations forward and two backward, the widest arrays of a block
 * (4·width); here the forward makes none and the backward one (addmm's backward scales the input's gradient by α), on
 * top of the same GEMMs. One {@link ScriptModule} for the three ops; where the engine cannot compile it, the ops
 * one by one. The results differ from those in float rounding only.
 */
final class Mlp {
    private static final String FORWARD = """
            def forward(self: __torch__.Mlp,
              x: Tensor,
              fc: Tensor,
              fc_bias: Tensor,
              proj: Tensor,
              proj_bias: Tensor) -> Tensor:
              hidden = torch.silu(torch.addmm(fc_bias, x, fc, beta=1.702, alpha=1.702))
              return torch.addmm(proj_bias, hidden, proj, beta=1.0, alpha=1.0 / 1.702)
            """;

    private static final class Holder {
        /** Held for the JVM's life; null where the ops run one by one. */
        static final ScriptModule MODULE = ScriptModule.compileOrNull("Mlp", FORWARD,
                "the MLP's QuickGELU scales its input and output in passes of their own");
    }

    private Mlp() {
    }

    /** Whether the module is in use (tests). */
    static boolean fused() {
        return Holder.MODULE != null;
    }

    /**
     * @param rows [n, width]; fc [width, 4·width] and proj [4·width, width], the weights transposed as the model
     *             keeps them
     * @return [n, width], or null where the module is not available (the caller then runs the ops one by one)
     */
    static NDArray applyOrNull(NDArray rows, NDArray fc, NDArray fcBias, NDArray proj, NDArray projBias) {
        ScriptModule module = Holder.MODULE;
        if (module == null) {
            return null;
        }
        return module.forward(new NDList(rows, fc, fcBias, proj, projBias)).singletonOrThrow();
    }
}
