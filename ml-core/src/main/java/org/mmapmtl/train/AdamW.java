package org.mmapmtl.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam with decoupled weight decay, as torch.optim.AdamW: m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
 * p ← p − lr·(m̂ / (√v̂ + ε) + λ·p), with m̂, v̂ corrected for their zero start. CLIP is pretrained with it; the
 * prompt methods keep the paper's SGD ({@link Sgd}). Moment buffers live on this object's manager.
 */
public final class AdamW implements AutoCloseable {
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final NDManager state;
    private final Map<String, NDArray> first = new LinkedHashMap<>();
    private final Map<String, NDArray> second = new LinkedHashMap<>();
    private final Map<String, Integer> steps = new LinkedHashMap<>();

    public AdamW(double beta1, double beta2, double epsilon, Device device) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.state = NDManager.newBaseManager(device);
    }

    /** Updates {@code parameter} in place; call outside gradient recording. Temporaries go to the gradient's manager. */
    public void update(String name, NDArray parameter, NDArray gradient, double learningRate, double weightDecay) {
        NDArray m = first.get(name);
        NDArray v = second.get(name);
        if (m == null) {
            m = state.zeros(parameter.getShape(), parameter.getDataType());
            v = state.zeros(parameter.getShape(), parameter.getDataType());
            first.put(name, m);
            second.put(name, v);
        }
        int t = steps.merge(name, 1, Integer::sum);
        m.muli((float) beta1).addi(gradient.mul((float) (1 - beta1)));
        v.muli((float) beta2).addi(gradient.square().muli((float) (1 - beta2)));
        double correction1 = 1 - Math.pow(beta1, t);
        double correction2 = 1 - Math.pow(beta2, t);
        if (weightDecay > 0) {
            parameter.muli((float) (1 - learningRate * weightDecay));
        }
        // lr·m̂/(√v̂+ε) = (lr/c₁)·m / (√v/√c₂ + ε)
        NDArray denominator = v.sqrt().divi((float) Math.sqrt(correction2)).addi((float) epsilon);
        NDArray step = m.div(denominator).muli((float) (learningRate / correction1));
        parameter.subi(step);
        denominator.close();
        step.close();
    }

    @Override
    public void close() {
        state.close();
    }
}
