package org.mmapmtl.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.mmapmtl.clip.ScriptModule;

/**
 * x[:, 1 : 1+b] ← prompts, for every sequence of a batch: how deep prompts replace the tokens after the first.
 * One libtorch op, {@code slice_scatter}: a copy of x with the prompts written in, whose backward is one pass (the
 * gradient with the prompts' rows cleared, and those rows summed over the batch for the prompts). Built from slices
 * and concatenations, as DJL's NDArray API allows, the backward of each slice fills a zeroed array of x's size and
 * the two are added: four passes over the sequence at every prompted layer of both towers. Reached through a
 * {@link ScriptModule}; where the engine cannot compile it, the slices and concatenations (the same values).
 */
final class PromptOverwrite {
    private static final String FORWARD = """
            def forward(self: __torch__.PromptOverwrite,
              x: Tensor,
              prompts: Tensor) -> Tensor:
              b = prompts.size(0)
              return torch.slice_scatter(x, prompts.unsqueeze(0).expand(x.size(0), b, prompts.size(1)), 1, 1, 1 + b)
            """;

    private static final class Holder {
        /** Held for the JVM's life; null where slices and concatenations are used. */
        static final ScriptModule MODULE = ScriptModule.compileOrNull("PromptOverwrite", FORWARD,
                "prompts are inserted by slices");
    }

    private PromptOverwrite() {
    }

    /** @param x [batch, tokens, width]; prompts [b, width], b &lt; tokens */
    static NDArray apply(NDArray x, NDArray prompts) {
        ScriptModule module = Holder.MODULE;
        if (module == null) {
            return concatenated(x, prompts);
        }
        return module.forward(new NDList(x, prompts)).singletonOrThrow();
    }

    /** The same values from slices and concatenations. */
    static NDArray concatenated(NDArray x, NDArray prompts) {
        long b = prompts.getShape().get(0);
        NDArray p = broadcast(prompts, x);
        return x.get(":, :1, :").concat(p, 1).concat(x.get(new NDIndex(":, {}:, :", 1 + b)), 1);
    }

    /** [b, width] → [batch, b, width] on x's manager. */
    static NDArray broadcast(NDArray prompts, NDArray x) {
        Shape s = prompts.getShape();
        NDArray p = prompts.expandDims(0).broadcast(new Shape(x.getShape().get(0), s.get(0), s.get(1)));
        if (p.getManager() != x.getManager()) {
            p.attach(x.getManager());
        }
        return p;
    }

    /** Whether the one-op module is in use (tests). */
    static boolean fused() {
        return Holder.MODULE != null;
    }
}
