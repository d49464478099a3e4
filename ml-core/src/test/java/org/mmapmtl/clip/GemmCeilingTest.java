package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The ceiling's bf16 product is the float32 product to bfloat16's rounding, and both rates are measured. */
class GemmCeilingTest {
    @Test
    void bf16ProductFollowsFp32s() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray a = m.randomNormal(new Shape(64, 96));
            NDArray b = m.randomNormal(new Shape(96, 32));
            NDArray exact = a.matMul(b);
            NDArray bf16 = Bf16Linear.product(Bf16Linear.toBf16(a), Bf16Linear.toBf16(b));
            assertThat(bf16.getShape()).isEqualTo(exact.getShape());
            float relative = bf16.sub(exact).norm().getFloat() / exact.norm().getFloat();
            assertThat(relative).isGreaterThan(0f).isLessThan(0.02f); // rounded, as bfloat16's 8-bit mantissa rounds
        }
    }

    @Test
    void measuresBothPrecisions() {
        // a 256³ product takes about a millisecond; a rate outside 0.1 to 100,000 GFLOP/s is a wrong count or clock
        assertThat(GemmCeiling.gflops(Device.cpu(), Precision.FP32, 256)).isBetween(0.1, 1e5);
        if (Precision.BF16.runsNativelyOn(Device.cpu())) { // elsewhere libtorch emulates bfloat16, slowly
            assertThat(GemmCeiling.gflops(Device.cpu(), Precision.BF16, 256)).isBetween(0.1, 1e5);
        }
    }
}
