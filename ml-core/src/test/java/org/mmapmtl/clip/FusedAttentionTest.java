package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The fused attention computes what softmax(q·kᵀ/√d + mask)·v written as three ops computes, and its gradients. */
class FusedAttentionTest {
    private static final float TOLERANCE = 1e-5f;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void matchesTheThreeOpsForwardAndBackward(boolean causal) {
        FusedAttention fused = FusedAttention.instance();
        assertThat(fused).as("the PyTorch engine compiles the fused attention module").isNotNull();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            m.getEngine().setRandomSeed(7);
            // q, k, v as the model has them: strided views of one [3, batch, heads, tokens, headWidth] projection
            NDArray qkv = m.randomNormal(new Shape(2, 5, 3, 3, 16)).transpose(2, 0, 3, 1, 4);
            NDArray[] grads = new NDArray[2];
            NDArray[] outs = new NDArray[2];
            for (int pass = 0; pass < 2; pass++) {
                NDArray leaf = qkv.duplicate();
                leaf.setRequiresGradient(true);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray q = leaf.get(0);
                    NDArray k = leaf.get(1);
                    NDArray v = leaf.get(2);
                    NDArray out = pass == 0 ? fused.attend(q, k, v, causal) : threeOps(q, k, v, causal);
                    // a weighted sum, so every output element's gradient differs
                    NDArray weights = m.arange(0f, out.size()).reshape(out.getShape()).div(out.size());
                    collector.backward(out.mul(weights).sum());
                    outs[pass] = out.duplicate();
                }
                grads[pass] = leaf.getGradient().duplicate();
            }
            assertThat(outs[0].getShape()).isEqualTo(new Shape(2, 3, 5, 16));
            assertThat(outs[0].sub(outs[1]).abs().max().getFloat()).isLessThan(TOLERANCE);
            assertThat(grads[1].abs().max().getFloat()).isGreaterThan(1e-3f);
            assertThat(grads[0].sub(grads[1]).abs().max().getFloat()).isLessThan(TOLERANCE);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void outsideAGradientCollector(boolean causal) {
        FusedAttention fused = FusedAttention.instance();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray q = m.randomNormal(new Shape(1, 2, 4, 8));
            NDArray out = fused.attend(q, q, q, causal);
            assertThat(out.getManager().getEngine().getEngineName()).isEqualTo("PyTorch");
            assertThat(out.sub(threeOps(q, q, q, causal)).abs().max().getFloat()).isLessThan(TOLERANCE);
        }
    }

    private static NDArray threeOps(NDArray q, NDArray k, NDArray v, boolean causal) {
        long tokens = q.getShape().get(2);
        NDArray scores = q.mul(1 / Math.sqrt(q.getShape().get(3))).matMul(k.transpose(0, 1, 3, 2));
        if (causal) {
            float[] mask = new float[(int) (tokens * tokens)];
            for (int i = 0; i < tokens; i++) {
                for (int j = i + 1; j < tokens; j++) {
                    mask[(int) (i * tokens + j)] = Float.NEGATIVE_INFINITY;
                }
            }
            scores = scores.add(q.getManager().create(mask, new Shape(tokens, tokens)));
        }
        return scores.softmax(-1).matMul(v);
    }
}
