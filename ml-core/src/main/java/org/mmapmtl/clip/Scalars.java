package org.mmapmtl.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Multiplication by a constant that is safe under autograd. DJL's {@code NDArray.mul(Number)} wraps the number in a
 * tensor over a Java direct buffer and closes that tensor as soon as the product is formed, but the product's
 * backward node keeps the scalar to compute the gradient; once the garbage collector frees the buffer, backward reads
 * freed memory and the gradient turns to garbage or NaN now and then. The scalar here is made by libtorch
 * ({@code full}), so the graph's reference keeps it alive however long the backward waits.
 */
public final class Scalars {
    private Scalars() {
    }

    /** x · value, with a gradient that stays correct whenever the backward runs. */
    public static NDArray times(NDArray x, float value) {
        NDArray scalar = x.getManager().full(new Shape(), value, x.getDataType());
        return x.mul(scalar);
    }
}
