package org.mmapmtl.prompt;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class KroneckerPromptTest {

    @Test
    void kroneckerProductHasTheDefiningValues() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            double[][] a = {{1, -2, 3}, {0.5, 4, -1}};
            double[][] b = {{2, 0, 1, 5}, {-3, 1, 0.25, 2}, {7, -1, 4, 0}};
            NDArray k = KroneckerPrompt.kron(m.create(a), m.create(b));
            assertThat(k.getShape()).isEqualTo(new Shape(6, 12));
            double[] values = k.toDoubleArray();
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    for (int r = 0; r < 3; r++) {
                        for (int s = 0; s < 4; s++) {
                            assertThat(values[(i * 3 + r) * 12 + j * 4 + s]).isEqualTo(a[i][j] * b[r][s]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void textAndVisualPromptsHaveTheirModalitysWidths() {
        KroneckerPrompt prompt = new KroneckerPrompt(4, 2, 64, 512, 768);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray ps = m.randomNormal(prompt.sourceShape());
            assertThat(prompt.textPrompt(m.randomNormal(prompt.textFactorShape()), ps).getShape()).isEqualTo(new Shape(4, 512));
            assertThat(prompt.visualPrompt(m.randomNormal(prompt.visionFactorShape()), ps).getShape()).isEqualTo(new Shape(4, 768));
        }
        // mn + b(dl + dv)/(mn) = 128 + 4·1280/128
        assertThat(prompt.parameters()).isEqualTo(128 + 40);
        assertThatThrownBy(() -> new KroneckerPrompt(3, 2, 64, 512, 768)).hasMessageContaining("m = 2");
        assertThatThrownBy(() -> new KroneckerPrompt(4, 2, 96, 512, 768)).hasMessageContaining("n = 96");
    }

    /** d/dA and d/dB of Σ W ∘ (A ⊗ B) from the engine's autograd against central finite differences, in float64. */
    @Test
    void gradientsMatchFiniteDifferences() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray a = m.randomNormal(new Shape(2, 3)).toType(DataType.FLOAT64, false);
            NDArray b = m.randomNormal(new Shape(3, 2)).toType(DataType.FLOAT64, false);
            NDArray w = m.randomNormal(new Shape(6, 6)).toType(DataType.FLOAT64, false);
            a.setRequiresGradient(true);
            b.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = KroneckerPrompt.kron(a, b).mul(w).sum();
                gc.backward(loss);
            }
            double[] gradA = a.getGradient().toDoubleArray();
            double[] gradB = b.getGradient().toDoubleArray();
            double[] av = a.toDoubleArray();
            double[] bv = b.toDoubleArray();
            double eps = 1e-6;
            for (int i = 0; i < av.length; i++) {
                double[] plus = av.clone();
                double[] minus = av.clone();
                plus[i] += eps;
                minus[i] -= eps;
                double numeric = (loss(m, plus, bv, w) - loss(m, minus, bv, w)) / (2 * eps);
                assertThat(gradA[i]).isCloseTo(numeric, within(1e-6));
            }
            for (int i = 0; i < bv.length; i++) {
                double[] plus = bv.clone();
                double[] minus = bv.clone();
                plus[i] += eps;
                minus[i] -= eps;
                double numeric = (loss(m, av, plus, w) - loss(m, av, minus, w)) / (2 * eps);
                assertThat(gradB[i]).isCloseTo(numeric, within(1e-6));
            }
        }
    }

    private static double loss(NDManager m, double[] a, double[] b, NDArray w) {
        try (NDManager scope = m.newSubManager()) {
            NDArray k = KroneckerPrompt.kron(scope.create(a, new Shape(2, 3)), scope.create(b, new Shape(3, 2)));
            return k.mul(w).sum().getDouble();
        }
    }
}
