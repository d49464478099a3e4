package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fused attention computes what softmax(q·kᵀ/√d + mask)·v written as three ops computes, head by head, from the
 * input projection to the heads side by side, and its gradients.
 */
class FusedAttentionTest {
    private static final float TOLERANCE = 1e-5f;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void matchesTheThreeOpsForwardAndBackward(boolean causal) {
        FusedAttention fused = FusedAttention.instance();
        assertThat(fused).as("the PyTorch engine compiles the fused attention module").isNotNull();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            m.getEngine().setRandomSeed(7);
            // the input projection as the model has it: [batch, tokens, 3, heads, headWidth]
            NDArray qkv = m.randomNormal(new Shape(2, 5, 3, 3, 16));
            TwoPasses.Pass attended = TwoPasses.run(List.of(qkv), in -> fused.attend(in.get(0), causal));
            TwoPasses.Pass reference = TwoPasses.run(List.of(qkv), in -> threeOps(in.get(0), causal));
            assertThat(attended.output().getShape()).isEqualTo(new Shape(2, 5, 48));
            assertThat(attended.output().sub(reference.output()).abs().max().getFloat()).isLessThan(TOLERANCE);
            assertThat(reference.gradient(0).abs().max().getFloat()).isGreaterThan(1e-3f);
            assertThat(attended.gradient(0).sub(reference.gradient(0)).abs().max().getFloat()).isLessThan(TOLERANCE);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void outsideAGradientCollector(boolean causal) {
        FusedAttention fused = FusedAttention.instance();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray qkv = m.randomNormal(new Shape(1, 4, 3, 2, 8));
            NDArray out = fused.attend(qkv, causal);
            assertThat(out.getManager().getEngine().getEngineName()).isEqualTo("PyTorch");
            assertThat(out.sub(threeOps(qkv, causal)).abs().max().getFloat()).isLessThan(TOLERANCE);
        }
    }

    /** The heads of [batch, tokens, 3, heads, headWidth] side by side as [batch, tokens, width], by three ops. */
    private static NDArray threeOps(NDArray qkv, boolean causal) {
        Shape s = qkv.getShape();
        NDArray split = qkv.transpose(2, 0, 3, 1, 4);
        NDArray q = split.get(0);
        NDArray k = split.get(1);
        NDArray v = split.get(2);
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
        return scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(s.get(0), s.get(1), s.get(3) * s.get(4));
    }
}
