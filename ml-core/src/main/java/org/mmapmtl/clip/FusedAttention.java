package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * Attention as libtorch's fused {@code scaled_dot_product_attention} (on CPU, its flash-attention kernel):
 * softmax(q·kᵀ/√d)·v in one pass over blocks of keys, so the [tokens × tokens] scores are never written out, read
 * back by a softmax and a second batched matmul, nor kept for the backward, which recomputes them from the row
 * maxima. The same math as the three ops, to float rounding.
 *
 * <p>DJL's NDArray API has no call for it, so it is reached through a {@link ScriptModule} of that one op, which
 * autograd records exactly where it would record the three ops.
 * Where the engine is not PyTorch, cannot compile it, or {@code MMAP_ATTENTION=unfused} (or the system property
 * {@code mmap.attention}) asks for it, {@link #instance()} is null and the model uses the three ops.
 */
final class FusedAttention {
    private static final Logger LOG = LoggerFactory.getLogger(FusedAttention.class);

    /**
     * The module's forward; {@code causal} is a 0-d bool tensor since a module's inputs are tensors. q, k and v are
     * taken apart by one {@code unbind} along the projection's own axis of three, whose backward writes the three
     * gradients into one array laid out as the projection is, so that its way back to the GEMM's [rows, 3·width] is a
     * view (unbound from a permuted view, the stacked gradient came back permuted and was copied whole, once a block);
     * taken by three selections, each backward fills an array of the projection's size with zeros, writes its part,
     * and the three are added. The output comes back as [batch, tokens, width], a view of how the kernel lays it out. With
     * {@code firstQuery}, only the first token asks (keys and values are still every token's).
     */
    private static final String FORWARD = """
            def forward(self: __torch__.Attention,
              qkv: Tensor,
              causal: Tensor,
              firstQuery: Tensor) -> Tensor:
              q, k, v = torch.unbind(qkv, 2)
              q = torch.transpose(q, 1, 2)
              k = torch.transpose(k, 1, 2)
              v = torch.transpose(v, 1, 2)
              if bool(firstQuery):
                q = torch.slice(q, 2, 0, 1)
              out = torch.scaled_dot_product_attention(q, k, v, None, 0., bool(causal))
              return torch.flatten(torch.transpose(out, 1, 2), 2, 3)
            """;

    private static final class Holder {
        static final String ASKED = setting();
        static final boolean VALID = ASKED.equals("fused") || ASKED.equals("unfused");
        static final FusedAttention INSTANCE = ASKED.equals("fused") ? load() : null;
    }

    /** Held for the JVM's life. */
    private final ScriptModule module;
    private final NDManager flags;
    private final NDArray on;
    private final NDArray off;

    private FusedAttention(ScriptModule module) {
        this.module = module;
        this.flags = NDManager.newBaseManager(Device.cpu());
        this.on = flags.create(true);
        this.off = flags.create(false);
        // first used inside a transformer block's NDScope, which would otherwise close them with the block
        NDScope.unregister(on, off);
    }

    /** The setting, trimmed and in lower case; unset or blank means the default, {@code fused}. */
    private static String setting() {
        String value = System.getProperty("mmap.attention", System.getenv("MMAP_ATTENTION"));
        return value == null || value.isBlank() ? "fused" : value.trim().toLowerCase(Locale.ROOT);
    }

    /**
     * The fused attention of this JVM, or null where the three ops must be used.
     *
     * @throws IllegalStateException when the setting is neither {@code fused} nor {@code unfused}: every forward pass
     *                               then stops with this message (a misconfigured process, not a bad input)
     */
    static FusedAttention instance() {
        if (!Holder.VALID) {
            throw new IllegalStateException("MMAP_ATTENTION (or the system property mmap.attention) is '"
                    + Holder.ASKED + "': use fused (the default) or unfused");
        }
        return Holder.INSTANCE;
    }

    /**
     * softmax(q·kᵀ/√d + mask)·v, head by head, the mask causal (token i sees tokens 0..i) or none. Recorded for the
     * backward as the three ops would be.
     *
     * @param qkv the input projection as [batch, tokens, 3, heads, headWidth] (q, k, v in that order)
     * @return [batch, tokens, heads·headWidth], the heads side by side
     */
    NDArray attend(NDArray qkv, boolean causal) {
        return module.forward(new NDList(qkv, causal ? on : off, off)).singletonOrThrow();
    }

    /**
     * The attention of the first token only, to every token, without a mask (the class token of the last image block,
     * the only row the image features read).
     *
     * @return [batch, 1, heads·headWidth]
     */
    NDArray attendFirst(NDArray qkv) {
        return module.forward(new NDList(qkv, off, on)).singletonOrThrow();
    }

    private static FusedAttention load() {
        try {
            if (!"PyTorch".equals(Engine.getInstance().getEngineName())) {
                return null;
            }
            return new FusedAttention(ScriptModule.compile("Attention", FORWARD));
        } catch (Exception | LinkageError e) {
            LOG.warn("libtorch's fused attention is not available ({}); attention runs as three ops", e.toString());
            return null;
        }
    }
}
