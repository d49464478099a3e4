package org.mmapmtl.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.mmapmtl.safetensors.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stochastic gradient descent with momentum and L2 weight decay, as torch.optim.SGD (dampening 0, not Nesterov):
 * d = g + λ·p; v = d on the first step, else μ·v + d; p ← p − lr·v. The momentum buffers live on this object's
 * manager; everything temporary lives on the caller's step manager.
 */
public final class Sgd implements AutoCloseable {
    private final double momentum;
    private final double weightDecay;
    private final NDManager state;
    private final Map<String, NDArray> velocity = new LinkedHashMap<>();

    public Sgd(double momentum, double weightDecay, Device device) {
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.state = NDManager.newBaseManager(device);
    }

    /** Updates {@code parameter} in place; call outside gradient recording. */
    public void update(String name, NDArray parameter, NDArray gradient, double learningRate) {
        NDArray d = weightDecay == 0 ? gradient : gradient.add(parameter.mul((float) weightDecay));
        NDArray v = velocity.get(name);
        if (momentum == 0) {
            v = d;
        } else if (v == null) {
            v = d.duplicate();
            v.attach(state);
            velocity.put(name, v);
        } else {
            v.muli((float) momentum).addi(d);
        }
        NDArray delta = v.mul((float) learningRate);
        parameter.subi(delta);
        delta.close();
    }

    /** Momentum buffers for a checkpoint, so that a resumed run continues the same trajectory. */
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        velocity.forEach((name, v) -> out.put(name, Tensor.ofFloats(v.getShape().getShape(), v.toFloatArray())));
        return out;
    }

    public void restore(Map<String, Tensor> buffers) {
        velocity.values().forEach(NDArray::close);
        velocity.clear();
        buffers.forEach((name, t) -> {
            NDArray v = state.create(t.toFloats(), new Shape(t.shape()));
            velocity.put(name, v);
        });
    }

    @Override
    public void close() {
        state.close();
    }
}
