package org.mmapmtl.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One named tensor's type, shape and raw little-endian bytes, as safetensors stores it.
 * The buffer may be a slice of a memory-mapped file; it is never copied unless asked.
 */
public record Tensor(DType dtype, long[] shape, ByteBuffer data) {

    public Tensor {
        shape = shape.clone();
        long expected = elementCount(shape) * dtype.bytes();
        if (data.remaining() != expected) {
            throw new IllegalArgumentException("tensor of dtype " + dtype + " and shape " + Arrays.toString(shape)
                    + " needs " + expected + " bytes, got " + data.remaining());
        }
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    public static Tensor ofFloats(long[] shape, float[] values) {
        if (elementCount(shape) != values.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + elementCount(shape)
                    + " values, got " + values.length);
        }
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return new Tensor(DType.F32, shape, buffer);
    }

    /** The values stored as IEEE binary16 (F16), rounded to nearest even: half the bytes, about 3 decimal digits. */
    public static Tensor ofHalfs(long[] shape, float[] values) {
        if (elementCount(shape) != values.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + elementCount(shape)
                    + " values, got " + values.length);
        }
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buffer.putShort(HalfFloat.fromFloat(v));
        }
        return new Tensor(DType.F16, shape, buffer.flip());
    }

    public static Tensor vector(float[] values) {
        return ofFloats(new long[] {values.length}, values);
    }

    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long elementCount() {
        return elementCount(shape);
    }

    /** Values widened to float32; F16 and BF16 are converted here so that no native engine ever sees BF16. */
    public float[] toFloats() {
        long count = elementCount();
        if (count > Integer.MAX_VALUE) {
            throw new IllegalStateException("tensor of " + count + " elements does not fit a Java array");
        }
        float[] out = new float[(int) count];
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> b.asFloatBuffer().get(out);
            case F64 -> {
                for (int i = 0; i < out.length; i++) out[i] = (float) b.getDouble(i * 8);
            }
            case F16 -> {
                for (int i = 0; i < out.length; i++) out[i] = HalfFloat.toFloat(b.getShort(i * 2));
            }
            case BF16 -> {
                for (int i = 0; i < out.length; i++) out[i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16);
            }
            default -> throw new IllegalStateException("tensor of dtype " + dtype + " is not floating point");
        }
        return out;
    }

    /** The raw bytes as a fresh array. */
    public byte[] bytes() {
        byte[] out = new byte[data.remaining()];
        data.duplicate().get(out);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && t.dtype == dtype && Arrays.equals(t.shape, shape) && t.data.equals(data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + data.hashCode();
    }

    @Override
    public String toString() {
        return "Tensor[" + dtype + " " + Arrays.toString(shape) + "]";
    }
}
