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
 * multiplies bfloat16 natively: an NVIDIA GPU of compute capability 8.0 (Ampere) or newer, or a CPU with AVX-512 BF16
 * or AMX; elsewhere bfloat16 would be emulated and slower than float32.
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
     * @throws UnsupportedOperationException bf16 on a CPU without AVX-512 BF16 or AMX, or on a GPU older than Ampere
     */
    public void requireSupported(Device device) {
        String refusal = refusal(device);
        if (refusal != null) {
            throw new UnsupportedOperationException(refusal);
        }
    }

    /** What {@link #requireSupported} says where a CPU cannot multiply bf16 natively. */
    public static final String UNSUPPORTED = "precision bf16 needs a CPU with AVX-512 BF16 or AMX (or an NVIDIA GPU "
            + "from Ampere on); this CPU has neither, so bfloat16 would be emulated and slower than float32: use fp32";

    /**
     * Whether {@code device} multiplies in this precision natively: always for fp32; bf16 on an NVIDIA GPU from Ampere
     * on or a CPU with it.
     */
    public boolean runsNativelyOn(Device device) {
        return refusal(device) == null;
    }

    /** Why this precision cannot run natively on {@code device}, or null where it can: the one place that decides. */
    private String refusal(Device device) {
        if (this == FP32) {
            return null;
        }
        if (!device.isGpu()) {
            return cpuMultipliesBf16(Path.of("/proc/cpuinfo")) ? null : UNSUPPORTED;
        }
        String capability = computeCapability(device); // asked once: the answer decides and words the refusal
        if (gpuMultipliesBf16(capability)) {
            return null;
        }
        return "precision bf16 needs an NVIDIA GPU of compute capability 8.0 (Ampere) or newer; " + device
                + (capability == null ? "'s capability could not be read"
                : " has " + capability.substring(0, capability.length() - 1) + "."
                + capability.charAt(capability.length() - 1)) + ": use fp32";
    }

    /** The GPU's compute capability as CUDA's runtime tells DJL ("86" for 8.6), or null where it cannot be read. */
    private static String computeCapability(Device device) {
        try {
            return ai.djl.util.cuda.CudaUtils.getComputeCapability(device.getDeviceId());
        } catch (RuntimeException | LinkageError e) {
            return null; // no CUDA runtime here, or no such device
        }
    }

    /**
     * Whether a GPU of {@code capability} (major then minor, one digit, as DJL's CudaUtils writes it: "75", "80",
     * "90", "120") has bfloat16 tensor cores: NVIDIA's Ampere (8.0) and newer. Unknown is no.
     */
    static boolean gpuMultipliesBf16(String capability) {
        if (capability == null || !capability.matches("[0-9]{2,3}")) {
            return false;
        }
        return Integer.parseInt(capability.substring(0, capability.length() - 1)) >= 8;
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
