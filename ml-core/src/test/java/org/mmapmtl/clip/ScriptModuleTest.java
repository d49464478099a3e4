package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A module compiled from its forward source runs its ops, records them for the backward, and refuses bad input. */
class ScriptModuleTest {

    @Test
    void runsItsForwardAndIsRecordedForTheBackward() throws Exception {
        // y = x·w through bfloat16 and back, a type DJL itself cannot name: it never leaves the module
        String forward = """
                def forward(self: __torch__.Product,
                  x: Tensor,
                  w: Tensor) -> Tensor:
                  return torch.to(torch.matmul(torch.to(x, 15), torch.to(w, 15)), 6)
                """;
        try (ScriptModule product = ScriptModule.compile("Product", forward);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray x = m.randomNormal(new Shape(8, 16));
            NDArray w = m.randomNormal(new Shape(16, 4));
            w.setName("visual.proj"); // a weight's name, which DJL would otherwise pass as a dictionary entry
            x.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray y = product.forward(new NDList(x, w)).singletonOrThrow();
                assertThat(y.getDataType()).isEqualTo(DataType.FLOAT32);
                NDArray exact = x.matMul(w);
                // bfloat16 keeps 8 bits of mantissa: a relative error near 2^-8 of the products' scale
                assertThat(y.sub(exact).abs().max().getFloat() / exact.abs().max().getFloat()).isLessThan(0.02f);
                collector.backward(y.sum());
            }
            // d(sum x·w)/dx = w's row sums for every row, through the two conversions
            NDArray expected = w.sum(new int[]{1}).reshape(1, 16).repeat(0, 8);
            assertThat(x.getGradient().sub(expected).abs().max().getFloat()).isLessThan(0.05f);
        }
    }

    /** Interpreted unless the user asked for the optimiser (a differentiable graph keeps inputs no backward needs). */
    @Test
    void turnsTheGraphOptimiserOffUnlessTheUserSetIt() throws Exception {
        String forward = """
                def forward(self: __torch__.Twice,
                  x: Tensor) -> Tensor:
                  return torch.mul(x, 2.0)
                """;
        String before = System.getProperty(ScriptModule.GRAPH_OPTIMIZER);
        try {
            System.clearProperty(ScriptModule.GRAPH_OPTIMIZER);
            ScriptModule.compile("Twice", forward).close();
            assertThat(System.getProperty(ScriptModule.GRAPH_OPTIMIZER)).isEqualTo("false");
            System.setProperty(ScriptModule.GRAPH_OPTIMIZER, "true");
            ScriptModule.compile("Twice", forward).close();
            assertThat(System.getProperty(ScriptModule.GRAPH_OPTIMIZER)).isEqualTo("true");
        } finally {
            if (before == null) {
                System.clearProperty(ScriptModule.GRAPH_OPTIMIZER);
            } else {
                System.setProperty(ScriptModule.GRAPH_OPTIMIZER, before);
            }
        }
    }

    @Test
    void refusesAClassNameThatIsNoIdentifier() {
        assertThatThrownBy(() -> ScriptModule.compile("bad name", "def forward(self) -> Tensor:\n  pass\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad name");
    }

    @Test
    void sourceLibtorchCannotCompileFailsTheLoad() {
        String forward = """
                def forward(self: __torch__.Broken,
                  x: Tensor) -> Tensor:
                  return torch.no_such_op(x)
                """;
        assertThatThrownBy(() -> ScriptModule.compile("Broken", forward)).hasMessageContaining("no_such_op");
    }
}
