package org.mmapmtl.clip;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;

import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the tests of a fused op and its reference share: each runs on its own copies of the same inputs under its own
 * {@link GradientCollector}, backward from a weighted sum of its output (so every output element's gradient differs),
 * and the outputs and inputs' gradients are compared.
 */
public final class TwoPasses {
    private TwoPasses() {
    }

    /** An output and the gradient of each input, in the inputs' order, detached from the pass's graph. */
    public record Pass(NDArray output, List<NDArray> gradients) {
        public NDArray gradient(int i) {
            return gradients.get(i);
        }
    }

    public static Pass run(List<NDArray> inputs, Function<List<NDArray>, NDArray> f) {
        List<NDArray> leaves = inputs.stream().map(NDArray::duplicate).toList();
        leaves.forEach(leaf -> leaf.setRequiresGradient(true));
        NDArray output;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray out = f.apply(leaves);
            NDArray weights = out.getManager().arange(0f, out.size()).reshape(out.getShape()).div(out.size());
            collector.backward(out.mul(weights).sum());
            output = out.duplicate();
        }
        return new Pass(output, leaves.stream().map(leaf -> leaf.getGradient().duplicate()).toList());
    }

    /** {@code actual} within {@code relative} of {@code expected}'s largest magnitude, which must not be zero. */
    public static void assertClose(String what, NDArray actual, NDArray expected, float relative) {
        assertThat(actual.getShape()).as(what).isEqualTo(expected.getShape());
        float scale = expected.abs().max().getFloat();
        assertThat(scale).as(what + " (the reference is not all zeros)").isPositive();
        assertThat(actual.sub(expected).abs().max().getFloat()).as(what).isLessThanOrEqualTo(relative * scale);
    }
}
