package org.mmapmtl.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * A residual block's second half in float32, mid + c_proj(QuickGELU(c_fc(ln_2(mid)))), with QuickGELU's two
 * scalings folded into ops that run anyway. QuickGELU is silu(1.702·u)/1.702 ({@link QuickGelu}). Written as ops,
 * the scalings are two passes over the MLP's hidden activations (4·width, the widest arrays of a block) forward and
 * two backward; as addmm's α and β they cost a pass in the backward each (addmm scales the gradient of its input by
 * α, and of its bias by β, in passes of their own). Here 1.702·u comes from ln_2 with its weight and bias scaled by
 * 1.702 and c_fc with its bias scaled by 1.702; c_proj runs with its bias times 1.702, so its output is 1.702 times
 * the reference's, and the residual add divides it back (add's α). The four scaled vectors have width or 4·width
 * numbers each and are scaled in the graph, so that BitFit's and full fine-tuning's gradients still reach them. The
 * GEMMs carry neither α nor β; the one scaling pass left in the backward is the residual add's, over width numbers a
 * row. The forward makes no extra pass. One {@link ScriptModule} for the ops; where the engine cannot compile it, the
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
              hidden = torch.silu(torch.addmm(fc_bias * 1.702, scaled, fc))
              return torch.add(mid, torch.addmm(proj_bias * 1.702, hidden, proj), alpha=1.0 / 1.702)
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
