package org.mmapmtl.clip;

import ai.djl.Device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * The number type of the frozen CLIP's matrix products. {@code fp32}, the default, is float32 throughout.
 * {@code bf16} runs every transformer block's linear products (the four projections of each block, forward and the
 * backward's product with the weights) in bfloat16, with float32 everything else: embeddings, LayerNorm, attention,
 * GELU, the residual stream, the prompts, their gradients and the optimiser's state. Offered where the hardware
 * multiplies bfloat16 natively: a CUDA device, or a CPU with AVX-512 BF16 or AMX; elsewhere bfloat16 would be emulated
 * and slower than float32.
 */
public enum Precision {
    FP32, BF16;

    private static final Set<String> BF16_FLAGS = Set.of("avx512_bf16", "amx_bf16");

    /** {@code fp32} or {@code bf16}, any case; null or blank is {@code fp32}. */
    public static Precision parse(String value) {
        if (value == null || value.isBlank()) {
            return FP32;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "fp32" -> FP32;
            case "bf16" -> BF16;
            default -> throw new IllegalArgumentException("precision '" + value.trim() + "' must be fp32 or bf16");
        };
    }

    /** The name specs and results use: {@code fp32} or {@code bf16}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Stops, with what to do, where this precision cannot run fast on {@code device}.
     *
     * @throws UnsupportedOperationException bf16 on a CPU without AVX-512 BF16 or AMX
     */
    public void requireSupported(Device device) {
        if (!runsNativelyOn(device)) {
            throw new UnsupportedOperationException(UNSUPPORTED);
        }
    }

    /** What {@link #requireSupported} says where bf16 cannot run natively. */
    public static final String UNSUPPORTED = "precision bf16 needs a CPU with AVX-512 BF16 or AMX (or a GPU); this CPU "
            + "has neither, so bfloat16 would be emulated and slower than float32: use fp32";

    /** Whether {@code device} multiplies in this precision natively: always for fp32; bf16 on a GPU or a CPU with it. */
    public boolean runsNativelyOn(Device device) {
        return this == FP32 || device.isGpu() || cpuMultipliesBf16(Path.of("/proc/cpuinfo"));
    }

    /** Whether the CPU described by {@code cpuinfo} (Linux's /proc/cpuinfo) has AVX-512 BF16 or AMX BF16. */
    static boolean cpuMultipliesBf16(Path cpuinfo) {
        try {
            for (String line : Files.readAllLines(cpuinfo)) {
                if (line.startsWith("flags")) {
                    for (String flag : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
                        if (BF16_FLAGS.contains(flag)) {
                            return true;
                        }
                    }
                    return false;
                }
            }
            return false;
        } catch (IOException e) {
            return false; // not Linux, or no /proc: no evidence of the instructions
        }
    }
}
