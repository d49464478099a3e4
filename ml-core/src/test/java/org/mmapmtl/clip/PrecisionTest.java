package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * bf16 computes what fp32 computes to bfloat16's rounding, forward and backward, and is offered only where the
 * hardware multiplies bfloat16 natively.
 */
class PrecisionTest {
    @TempDir
    Path dir;

    @Test
    void readsItsTwoNamesAndRefusesOthers() {
        assertThat(Precision.parse(null)).isEqualTo(Precision.FP32);
        assertThat(Precision.parse(" ")).isEqualTo(Precision.FP32);
        assertThat(Precision.parse("BF16 ")).isEqualTo(Precision.BF16);
        assertThat(Precision.BF16.label()).isEqualTo("bf16");
        assertThatThrownBy(() -> Precision.parse("fp16")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'fp16'").hasMessageContaining("fp32 or bf16");
    }

    @Test
    void bf16NeedsTheCpuFlagOfItsProducts() throws Exception {
        Path with = Files.writeString(dir.resolve("with"), "processor\t: 0\nflags\t\t: fpu avx512f avx512_bf16 sse\n");
        Path amx = Files.writeString(dir.resolve("amx"), "flags\t\t: fpu amx_bf16 amx_tile\n");
        Path without = Files.writeString(dir.resolve("without"), "flags\t\t: fpu avx512f avx512_bf16x sse\n");
        assertThat(Precision.cpuMultipliesBf16(with)).isTrue();
        assertThat(Precision.cpuMultipliesBf16(amx)).isTrue();
        assertThat(Precision.cpuMultipliesBf16(without)).isFalse();
        assertThat(Precision.cpuMultipliesBf16(dir.resolve("missing"))).isFalse();
        assertThat(Precision.FP32.runsNativelyOn(Device.cpu())).isTrue();
        if (!Precision.BF16.runsNativelyOn(Device.cpu())) {
            Path weights = dir.resolve("tiny.safetensors");
            ClipInitializer.write(weights, ClipArchitecture.TINY, 3);
            assertThatThrownBy(() -> ClipModel.load(ClipWeights.read(weights), Device.cpu(), Precision.BF16))
                    .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("AVX-512 BF16");
        }
    }

    @Test
    void bf16NeedsAGpuFromAmpereOn() {
        assertThat(Precision.gpuMultipliesBf16("80")).as("A100").isTrue();
        assertThat(Precision.gpuMultipliesBf16("86")).as("RTX 30xx").isTrue();
        assertThat(Precision.gpuMultipliesBf16("90")).as("H100").isTrue();
        assertThat(Precision.gpuMultipliesBf16("120")).as("Blackwell").isTrue();
        assertThat(Precision.gpuMultipliesBf16("75")).as("T4").isFalse();
        assertThat(Precision.gpuMultipliesBf16("70")).as("V100").isFalse();
        assertThat(Precision.gpuMultipliesBf16(null)).as("unreadable").isFalse();
        assertThat(Precision.gpuMultipliesBf16("8.0")).as("not DJL's form").isFalse();
        // no CUDA runtime on this machine: a GPU's capability cannot be read, so bf16 is refused there, with why
        if (!ai.djl.util.cuda.CudaUtils.hasCuda()) {
            assertThat(Precision.BF16.runsNativelyOn(Device.gpu())).isFalse();
            assertThatThrownBy(() -> Precision.BF16.requireSupported(Device.gpu()))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("compute capability 8.0 (Ampere) or newer")
                    .hasMessageContaining("could not be read");
        }
    }

    @Test
    void bf16FeaturesAndGradientsFollowFp32s() {
        Path weights = dir.resolve("tiny.safetensors");
        ClipInitializer.write(weights, ClipArchitecture.TINY, 3);
        ClipWeights w = ClipWeights.read(weights);
        try (ClipModel fp32 = ClipModel.load(w, Device.cpu());
             ClipModel bf16 = ClipModel.loadOnAnyHardware(w, Device.cpu(), Precision.BF16);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            assertThat(bf16.precision()).isEqualTo(Precision.BF16);
            m.getEngine().setRandomSeed(11);
            int r = fp32.config().vision().resolution();
            NDArray images = m.randomNormal(new Shape(3, 3, r, r));
            NDArray tokens = m.create(new long[][] {{49406, 320, 1125, 49407, 0}, {49406, 320, 4558, 539, 49407}});
            NDArray[] image = new NDArray[2];
            NDArray[] text = new NDArray[2];
            NDArray[] grad = new NDArray[2];
            ClipModel[] models = {fp32, bf16};
            for (int i = 0; i < 2; i++) {
                NDArray leaf = images.duplicate();
                leaf.setRequiresGradient(true);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray features = models[i].encodeImage(leaf);
                    collector.backward(features.mul(m.arange(0f, features.size()).reshape(features.getShape())).sum());
                    image[i] = features.duplicate();
                }
                grad[i] = leaf.getGradient().duplicate();
                text[i] = models[i].encodeText(tokens);
            }
            // bfloat16 keeps 8 bits of mantissa; through the tiny model's blocks the features move by about a percent
            assertThat(relative(image[1], image[0])).isBetween(1e-5, 0.05);
            assertThat(relative(text[1], text[0])).isBetween(1e-5, 0.05);
            assertThat(relative(grad[1], grad[0])).isBetween(1e-5, 0.05);
        }
    }

    @Test
    void aTrainedWeightGetsItsGradientThroughTheBf16Product() {
        Path weights = dir.resolve("tiny.safetensors");
        ClipInitializer.write(weights, ClipArchitecture.TINY, 4);
        ClipWeights w = ClipWeights.read(weights);
        String name = "visual.transformer.resblocks.0.mlp.c_fc.weight";
        NDArray[] grad = new NDArray[2];
        try (ClipModel fp32 = ClipModel.load(w, Device.cpu());
             ClipModel bf16 = ClipModel.loadOnAnyHardware(w, Device.cpu(), Precision.BF16);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            m.getEngine().setRandomSeed(5);
            int r = fp32.config().vision().resolution();
            NDArray images = m.randomNormal(new Shape(2, 3, r, r));
            ClipModel[] models = {fp32, bf16};
            for (int i = 0; i < 2; i++) {
                // as full fine-tuning marks it: this weight is converted each call, not taken from the frozen copies
                ClipModel.Weight weight = models[i].weights().stream().filter(x -> x.name().equals(name)).findFirst()
                        .orElseThrow();
                int loaded = models[i].heldArrays();
                models[i].encodeImage(images).close();
                // a bf16 model makes its frozen weights' copies at their first product: one per block matrix
                int frozen = models[i].heldArrays();
                int copies = 4 * models[i].config().vision().layers();
                assertThat(frozen).as(models[i].precision().toString()).isEqualTo(loaded + i * copies);
                NDArray trained = weight.array();
                trained.setRequiresGradient(true);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    collector.backward(models[i].encodeImage(images).sum());
                }
                // and frees the copy of a weight that trains, which is converted on each product instead
                assertThat(models[i].heldArrays()).as(models[i].precision().toString()).isEqualTo(frozen - i);
                grad[i] = trained.getGradient().duplicate();
            }
            assertThat(grad[0].abs().max().getFloat()).isPositive();
            assertThat(relative(grad[1], grad[0])).isBetween(1e-5, 0.05);
        }
    }

    /** ‖a − b‖ / ‖b‖: the rounding's size, and not zero, so the bf16 products did run. */
    private static double relative(NDArray a, NDArray b) {
        return a.sub(b).norm().getFloat() / b.norm().getFloat();
    }
}
