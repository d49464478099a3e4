package org.mmapmtl.prompt;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.data.Seeds;
import org.mmapmtl.safetensors.Tensor;

import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The tensors a method trains, by name, in a fixed order. Created ones live on this object's manager; BitFit and
 * full fine-tuning adopt the model's own weight arrays. Each tensor's initial values are drawn from a generator seeded
 * by (seed, name), so they do not depend on which other parameters exist or in which order they were made.
 */
public final class TrainableParameters implements AutoCloseable {
    private final NDManager manager;
    private final Map<String, NDArray> arrays = new LinkedHashMap<>();
    /** Whether an adopted model weight is held transposed (then checkpoints store the reference layout). */
    private final Map<String, Boolean> transposed = new LinkedHashMap<>();

    public TrainableParameters(Device device) {
        this.manager = NDManager.newBaseManager(device);
    }

    public NDArray create(ParameterSpec spec, long seed) {
        float[] values = new float[Math.toIntExact(spec.count())];
        SplittableRandom random = new SplittableRandom(Seeds.derive(seed, spec.name()));
        for (int i = 0; i < values.length; i++) {
            values[i] = spec.init().next(random);
        }
        return put(spec.name(), values, spec.shape());
    }

    /** A parameter with given starting values (MaPLe starts its first text prompt from word embeddings). */
    public NDArray put(String name, float[] values, long[] shape) {
        if (arrays.containsKey(name)) {
            throw new IllegalArgumentException("parameter " + name + " exists already");
        }
        NDArray array = manager.create(values, new Shape(shape));
        array.setName(name);
        array.setRequiresGradient(true);
        arrays.put(name, array);
        transposed.put(name, false);
        return array;
    }

    /** Trains one of the model's weights in place. */
    public void adopt(ClipModel.Weight weight) {
        if (arrays.containsKey(weight.name())) {
            throw new IllegalArgumentException("parameter " + weight.name() + " exists already");
        }
        weight.array().setRequiresGradient(true);
        arrays.put(weight.name(), weight.array());
        transposed.put(weight.name(), weight.transposed());
    }

    public NDArray get(String name) {
        NDArray a = arrays.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no parameter " + name + " (have " + arrays.keySet() + ")");
        }
        return a;
    }

    public List<String> names() {
        return List.copyOf(arrays.keySet());
    }

    public Collection<NDArray> arrays() {
        return arrays.values();
    }

    public boolean isEmpty() {
        return arrays.isEmpty();
    }

    /** How many scalars are trained. */
    public long count() {
        return arrays.values().stream().mapToLong(a -> a.getShape().size()).sum();
    }

    /**
     * Lends every parameter to a step's manager until it closes: whatever the forward derives from a parameter (and
     * its gradient) is then created on that manager and freed with it, so a long run's native memory stays flat.
     */
    public void bind(NDManager scope) {
        for (NDArray a : arrays.values()) {
            a.tempAttach(scope);
        }
    }

    /** The values in the layout a checkpoint keeps (model weights as the reference stores them). */
    public Map<String, Tensor> toTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        arrays.forEach((name, a) -> out.put(name, ClipModel.referenceTensor(new ClipModel.Weight(name, a, transposed.get(name)))));
        return out;
    }

    /** Overwrites every parameter from saved tensors; the names and shapes must be exactly this method's. */
    public void load(Map<String, Tensor> tensors, String source) {
        for (String name : arrays.keySet()) {
            if (!tensors.containsKey(name)) {
                throw new IllegalArgumentException(source + ": parameter " + name + " is missing; the file was written "
                        + "by another method or configuration");
            }
        }
        for (String name : tensors.keySet()) {
            if (!arrays.containsKey(name)) {
                throw new IllegalArgumentException(source + ": unexpected parameter " + name + "; expected only "
                        + arrays.keySet());
            }
        }
        arrays.forEach((name, a) -> {
            Tensor t = tensors.get(name);
            long[] expected = transposed.get(name) ? reversed(a.getShape().getShape()) : a.getShape().getShape();
            if (!Arrays.equals(expected, t.shape())) {
                throw new IllegalArgumentException(source + ": parameter " + name + " has shape "
                        + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(expected));
            }
            float[] values = t.toFloats();
            if (transposed.get(name)) {
                try (NDManager tmp = manager.newSubManager()) {
                    a.set(tmp.create(values, new Shape(t.shape())).transpose().toFloatArray());
                }
            } else {
                a.set(values);
            }
        });
    }

    private static long[] reversed(long[] s) {
        long[] r = new long[s.length];
        for (int i = 0; i < s.length; i++) {
            r[i] = s[s.length - 1 - i];
        }
        return r;
    }

    @Override
    public void close() {
        manager.close();
    }
}
