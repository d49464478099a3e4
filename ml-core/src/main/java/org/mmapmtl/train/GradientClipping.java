package org.mmapmtl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;

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

    /**
     * @param norm   the gradients' global norm before clipping
     * @param scaled whether they were scaled down to the maximum
     */
    public record Clip(double norm, boolean scaled) {
    }

    /**
     * Clips {@code gradients} in place to {@code maxNorm}. A norm that is not finite scales nothing (an infinite one
     * would turn the gradients into NaN): the caller stops the run instead.
     */
    public static Clip clip(Collection<NDArray> gradients, double maxNorm) {
        double norm = norm(gradients);
        boolean scaled = Double.isFinite(norm) && norm > maxNorm;
        if (scaled) {
            float scale = (float) (maxNorm / (norm + 1e-6));
            gradients.forEach(g -> g.muli(scale));
        }
        return new Clip(norm, scaled);
    }

    /** The L2 norm of all {@code gradients} as one vector, summed where they live and read back once. */
    public static double norm(Collection<NDArray> gradients) {
        if (gradients.isEmpty()) {
            return 0;
        }
        NDList squares = new NDList(gradients.size());
        try {
            for (NDArray g : gradients) {
                try (NDArray square = g.square(); NDArray sum = square.sum()) {
                    squares.add(sum.toType(DataType.FLOAT64, true)); // the total of many tensors' sums in double
                }
            }
            try (NDArray stacked = NDArrays.stack(squares); NDArray total = stacked.sum()) {
                return Math.sqrt(total.getDouble());
            }
        } finally {
            squares.close();
        }
    }
}
