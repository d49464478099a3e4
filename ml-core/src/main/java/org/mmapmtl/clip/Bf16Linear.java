package org.mmapmtl.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * x·W + b with the product in bfloat16, for {@link Precision#BF16}. DJL's JNI cannot name bfloat16, so every op that
 * makes or reads one runs inside a {@link ScriptModule}; DJL only holds the tensors. The result comes back as float32,
 * so everything around the product, and the prompts' gradients, stay float32; the backward's product (dY·Wᵀ) runs in
 * bfloat16 too, through autograd of the same conversions.
 */
final class Bf16Linear {
    /** W is float32 and converted each call: a weight being trained gets its gradient through the conversion. */
    private static final String CONVERTING = """
            def forward(self: __torch__.Bf16Linear,
              x: Tensor,
              w: Tensor,
              b: Tensor) -> Tensor:
              return torch.to(torch.addmm(torch.to(b, 15), torch.to(x, 15), torch.to(w, 15)), 6)
            """;
    /** W is already bfloat16 (a frozen weight converted once): no conversion, no copy kept for the backward. */
    private static final String HELD = """
            def forward(self: __torch__.Bf16HeldLinear,
              x: Tensor,
              w: Tensor,
              b: Tensor) -> Tensor:
              return torch.to(torch.addmm(torch.to(b, 15), torch.to(x, 15), w), 6)
            """;
    private static final String TO_BF16 = """
            def forward(self: __torch__.ToBf16,
              x: Tensor) -> Tensor:
              return torch.contiguous(torch.to(x, 15))
            """;

    private static final String PRODUCT = """
            def forward(self: __torch__.Bf16Product,
              a: Tensor,
              b: Tensor) -> Tensor:
              return torch.to(torch.matmul(a, b), 6)
            """;

    /** The modules, or why they could not be compiled: told to every caller, not only the first. */
    private record Modules(ScriptModule convertingLinear, ScriptModule heldLinear, ScriptModule convert,
                           ScriptModule product, Exception failure) {
        static final Modules INSTANCE = compile();

        static Modules compile() {
            try {
                return new Modules(ScriptModule.compile("Bf16Linear", CONVERTING),
                        ScriptModule.compile("Bf16HeldLinear", HELD), ScriptModule.compile("ToBf16", TO_BF16),
                        ScriptModule.compile("Bf16Product", PRODUCT), null);
            } catch (Exception | LinkageError e) {
                return new Modules(null, null, null, null, e instanceof Exception x ? x : new IllegalStateException(e));
            }
        }

        static Modules get() {
            if (INSTANCE.failure != null) {
                throw new IllegalStateException("the bfloat16 products cannot be compiled by this engine ("
                        + INSTANCE.failure + "); use precision fp32", INSTANCE.failure);
            }
            return INSTANCE;
        }
    }

    private Bf16Linear() {
    }

    /**
     * A bfloat16 copy of {@code w}, on its manager, for {@link #applyHeld}. DJL can hold, attach and close it, but any
     * DJL call that asks its data type ends the process: pass it only to this class.
     */
    static NDArray toBf16(NDArray w) {
        return Modules.get().convert().forward(new NDList(w)).singletonOrThrow();
    }

    /** @param x [rows, in] float32; @param w [in, out] float32; @param bias [out] float32; returns [rows, out] float32 */
    static NDArray apply(NDArray x, NDArray w, NDArray bias) {
        return Modules.get().convertingLinear().forward(new NDList(x, w, bias)).singletonOrThrow();
    }

    /** a·b for two {@link #toBf16} copies, as float32: {@link GemmCeiling}'s product. */
    static NDArray product(NDArray a, NDArray b) {
        return Modules.get().product().forward(new NDList(a, b)).singletonOrThrow();
    }

    /** As {@link #apply} with {@code w} a {@link #toBf16} copy. */
    static NDArray applyHeld(NDArray x, NDArray w, NDArray bias) {
        return Modules.get().heldLinear().forward(new NDList(x, w, bias)).singletonOrThrow();
    }
}
