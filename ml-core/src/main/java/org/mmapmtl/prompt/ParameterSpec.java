package org.mmapmtl.prompt;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * One trainable tensor of a method: its name, shape and how it starts. Linear layers are stored [in, out] so that the
 * forward is x · W, as the engine multiplies; their initial values follow PyTorch's {@code nn.Linear} default.
 */
public record ParameterSpec(String name, long[] shape, Init init) {

    public sealed interface Init {
        float next(RandomGenerator random);
    }

    /** N(0, std²); prompts use std 0.02 as CoOp, MaPLe and the paper. */
    public record Normal(double std) implements Init {
        @Override
        public float next(RandomGenerator random) {
            return (float) (random.nextGaussian() * std);
        }
    }

    /** U(−bound, bound); nn.Linear's weight and bias both come out as U(−1/√fanIn, 1/√fanIn). */
    public record Uniform(double bound) implements Init {
        @Override
        public float next(RandomGenerator random) {
            return (float) ((random.nextDouble() * 2 - 1) * bound);
        }
    }

    public ParameterSpec {
        shape = shape.clone();
        for (long d : shape) {
            if (d < 1) {
                throw new IllegalArgumentException("parameter " + name + " has a non-positive dimension " + Arrays.toString(shape));
            }
        }
    }

    public static ParameterSpec prompt(String name, long tokens, long width) {
        return new ParameterSpec(name, new long[] {tokens, width}, new Normal(0.02));
    }

    public static ParameterSpec linearWeight(String name, long in, long out) {
        return new ParameterSpec(name, new long[] {in, out}, new Uniform(1 / Math.sqrt(in)));
    }

    public static ParameterSpec linearBias(String name, long in, long out) {
        return new ParameterSpec(name, new long[] {out}, new Uniform(1 / Math.sqrt(in)));
    }

    public long count() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public ParameterSpec renamed(String prefix) {
        return new ParameterSpec(prefix + name, shape, init);
    }
}
