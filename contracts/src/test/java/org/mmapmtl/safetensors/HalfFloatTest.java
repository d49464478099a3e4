package org.mmapmtl.safetensors;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class HalfFloatTest {

    @Test
    void everyHalfSurvivesTheRoundTrip() {
        for (int h = 0; h < 0x10000; h++) {
            float f = HalfFloat.toFloat((short) h);
            if (Float.isNaN(f)) {
                assertThat(Float.isNaN(HalfFloat.toFloat(HalfFloat.fromFloat(f)))).isTrue();
            } else {
                assertThat(HalfFloat.fromFloat(f) & 0xffff).as("half %04x", h).isEqualTo(h);
            }
        }
    }

    @Test
    void narrowingRoundsToNearestEvenAndSaturatesToInfinity() {
        assertThat(HalfFloat.toFloat(HalfFloat.fromFloat(1 + 0x1p-11f))).isEqualTo(1f); // a tie goes to the even 1.0
        assertThat(HalfFloat.toFloat(HalfFloat.fromFloat(1 + 0x1p-11f + 0x1p-20f))).isEqualTo(1 + 0x1p-10f);
        assertThat(HalfFloat.toFloat(HalfFloat.fromFloat(65520f))).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(HalfFloat.toFloat(HalfFloat.fromFloat(-1e-9f))).isEqualTo(-0f);
        assertThat(HalfFloat.toFloat(HalfFloat.fromFloat(3e-6f))).isEqualTo(50 * 0x1p-24f); // subnormal, rounded
        for (float v = -10; v < 10; v += 0.0137f) {
            assertThat((double) HalfFloat.toFloat(HalfFloat.fromFloat(v))).isCloseTo(v, org.assertj.core.data.Offset.offset(Math.abs(v) / 1024 + 1e-7));
        }
    }

    @Test
    void halfTensorsAreWrittenAsF16AndReadBackAsFloats() {
        Tensor t = Tensor.ofHalfs(new long[] {2, 2}, new float[] {0.5f, -2f, 0.1f, 1000f});
        assertThat(t.dtype()).isEqualTo(DType.F16);
        assertThat(t.data().remaining()).isEqualTo(8);
        SafetensorsContent back = Safetensors.read(Safetensors.write(Map.of("w", t), Map.of()), "memory");
        assertThat(back.tensor("w", 2, 2).toFloats()).containsExactly(0.5f, -2f, 0.099975586f, 1000f);
    }
}
