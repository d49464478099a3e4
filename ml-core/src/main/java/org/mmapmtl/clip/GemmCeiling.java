package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.function.Supplier;

/**
 * The GEMM rate this engine reaches on a device in a precision: the ceiling that a model's GEMM-bound work is measured
 * against. A 2048³ product, the fastest of 8 after a warm-up: a ceiling, and a median of a few runs moved by a third
 * between two runs of one command on a shared machine. In {@link Precision#BF16} both operands are bfloat16
 * (converted once) and the result comes back as float32, as the model's bf16 products do.
 */
public final class GemmCeiling {
    private static final int SIZE = 2048;
    private static final int RUNS = 8;

    private GemmCeiling() {
    }

    /** GFLOP/s of the product in {@code precision} on {@code device}. */
    public static double gflops(Device device, Precision precision) {
        return gflops(device, precision, SIZE);
    }

    /** As {@link #gflops(Device, Precision)} for a size³ product (tests take a small one). */
    static double gflops(Device device, Precision precision, int size) {
        try (NDManager m = NDManager.newBaseManager(device)) {
            NDArray a = m.randomNormal(new Shape(size, size));
            NDArray b = m.randomNormal(new Shape(size, size));
            Supplier<NDArray> product;
            if (precision == Precision.BF16) {
                NDArray a16 = Bf16Linear.toBf16(a);
                NDArray b16 = Bf16Linear.toBf16(b);
                product = () -> Bf16Linear.product(a16, b16);
            } else {
                product = () -> a.matMul(b);
            }
            double fastest = Double.MAX_VALUE;
            for (int run = 0; run <= RUNS; run++) { // run 0 warms up
                long t0 = System.nanoTime();
                try (NDArray c = product.get()) {
                    c.getFloat(0, 0); // waits for the result on devices that run asynchronously
                }
                if (run > 0) {
                    fastest = Math.min(fastest, (System.nanoTime() - t0) / 1e9);
                }
            }
            return 2.0 * size * size * size / fastest / 1e9;
        }
    }
}
