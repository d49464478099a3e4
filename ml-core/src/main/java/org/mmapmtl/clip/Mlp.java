package org.mmapmtl.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * A residual block's second half in float32, mid + c_proj(QuickGELU(c_fc(ln_2(mid)))), with QuickGELU's two
 * scalings folded into ops that run anyway. QuickGELU is silu(1.702·u)/1.702 ({@link QuickGelu}). Written as ops,
 * the scalings are two passes over the MLP's hidden activations (4·width, the widest arrays of a block) forward and
 * two backward. Here 1.702·u comes from ln_2 with its weight and bias scaled by 1.702 (two vectors of width numbers,
 * scaled in the graph so that a trained ln_2 still gets its gradient) and c_fc's bias scaled by addmm's β; c_proj
 * runs unscaled with its bias times 1.702 (β again), and the residual add divides the sum by 1.702 (add's α). No
 * product carries an α, so the backward's GEMMs come out unscaled too (addmm scales the input's gradient by α in a
 * pass of its own): what is left is the residual add's α on the way back, one pass over width numbers a row.
 * The forward makes no extra pass. One {@link ScriptModule} for the five ops; where the engine cannot compile it, the
 * ops one by one. The results differ from those in float rounding only.
 */
final class Mlp {
    private static final String FORWARD = """
            def forward(self: __torch__.Mlp,
              mid: Tensor,
              ln_weight: Tensor,
              ln_bias: Tensor,
              fc: Tensor,
              fc_bias: Tensor,
              proj: Tensor,
              proj_bias: Tensor) -> Tensor:
              scaled = torch.layer_norm(mid, [mid.size(1)], ln_weight * 1.702, ln_bias * 1.702, 1e-05, False)
              hidden = torch.silu(torch.addmm(fc_bias, scaled, fc, beta=1.702, alpha=1.0))
              return torch.add(mid, torch.addmm(proj_bias, hidden, proj, beta=1.702, alpha=1.0), alpha=1.0 / 1.702)
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
     * @param mid [n, width], the block's residual stream after attention; ln_2's weight and bias [width]; fc
     *            [width, 4·width] and proj [4·width, width], the weights transposed as the model keeps them
     * @return [n, width], or null where the module is not available (the caller then runs the ops one by one)
     */
    static NDArray applyOrNull(NDArray mid, NDArray lnWeight, NDArray lnBias, NDArray fc, NDArray fcBias, NDArray proj,
                               NDArray projBias) {
        ScriptModule module = Holder.MODULE;
        if (module == null) {
            return null;
        }
        return module.forward(new NDList(mid, lnWeight, lnBias, fc, fcBias, proj, projBias)).singletonOrThrow();
    }
}
