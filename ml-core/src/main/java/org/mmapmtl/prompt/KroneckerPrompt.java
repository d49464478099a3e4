package org.mmapmtl.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * The MmAP prompt of one layer (paper §MmAP): a small source prompt Ps (m×n) shared by both modalities, expanded by
 * Kronecker products into the text prompt Ml ⊗ Ps (b×dl) and the visual prompt Mv ⊗ Ps (b×dv), with
 * Ml of shape (b/m)×(dl/n) and Mv of shape (b/m)×(dv/n).
 *
 * @param promptLength b, the number of prompt tokens per layer
 * @param m            rows of the source prompt; must divide b
 * @param n            columns of the source prompt; must divide both widths
 */
public record KroneckerPrompt(int promptLength, int m, int n, int textWidth, int visionWidth) {

    public KroneckerPrompt {
        if (promptLength < 1 || m < 1 || n < 1) {
            throw new IllegalArgumentException("prompt length, m and n must be positive");
        }
        if (promptLength % m != 0) {
            throw new IllegalArgumentException("m = " + m + " must divide the prompt length " + promptLength);
        }
        if (textWidth % n != 0 || visionWidth % n != 0) {
            throw new IllegalArgumentException("n = " + n + " must divide both widths (" + textWidth + ", " + visionWidth + ")");
        }
    }

    public Shape sourceShape() {
        return new Shape(m, n);
    }

    public Shape textFactorShape() {
        return new Shape(promptLength / m, textWidth / n);
    }

    public Shape visionFactorShape() {
        return new Shape(promptLength / m, visionWidth / n);
    }

    /** mn + b(dl + dv)/(mn): the paper's per-layer count. */
    public long parameters() {
        return (long) m * n + (long) (promptLength / m) * (textWidth / n) + (long) (promptLength / m) * (visionWidth / n);
    }

    /** Ml ⊗ Ps, [b, dl]. */
    public NDArray textPrompt(NDArray textFactor, NDArray source) {
        return kron(textFactor, source);
    }

    /** Mv ⊗ Ps, [b, dv]. */
    public NDArray visualPrompt(NDArray visionFactor, NDArray source) {
        return kron(visionFactor, source);
    }

    /**
     * A ⊗ B for matrices A [p, q] and B [r, s], as [p·r, q·s]: (A ⊗ B)[i·r + k, j·s + l] = A[i, j]·B[k, l].
     * The engine has no Kronecker op; broadcasting A[:, None, :, None] · B[None, :, None, :] is the same product,
     * and differentiable in both factors.
     */
    public static NDArray kron(NDArray a, NDArray b) {
        long p = a.getShape().get(0);
        long q = a.getShape().get(1);
        long r = b.getShape().get(0);
        long s = b.getShape().get(1);
        return a.reshape(p, 1, q, 1).mul(b.reshape(1, r, 1, s)).reshape(p * r, q * s);
    }
}
