package org.mmapmtl.train;

import ai.djl.ndarray.NDArray;

import java.util.Collection;

/**
 * Clipping by global norm, as PyTorch's {@code clip_grad_norm_}: the L2 norm over every gradient together, and when it
 * exceeds the maximum, every gradient scaled in place by max / (norm + 1e-6), so the update keeps its direction. A
 * prompt's first gradients can be a hundred times longer than its later ones (its random start confidently wrong);
 * at momentum 0.9 one such step carries the prompt away for many steps after, and a short run may not come back.
 */
public final class GradientClipping {
    private GradientClipping() {
    }

    /** Clips {@code gradients} in place to {@code maxNorm}; returns their global norm before clipping. */
    public static double clip(Collection<NDArray> gradients, double maxNorm) {
        double norm = norm(gradients);
        if (norm > maxNorm) {
            float scale = (float) (maxNorm / (norm + 1e-6));
            gradients.forEach(g -> g.muli(scale));
        }
        return norm;
    }

    /** The L2 norm of all {@code gradients} as one vector, summed in double precision. */
    public static double norm(Collection<NDArray> gradients) {
        double squares = 0;
        for (NDArray g : gradients) {
            try (NDArray square = g.square(); NDArray sum = square.sum()) {
                squares += sum.getFloat();
            }
        }
        return Math.sqrt(squares);
    }
}
