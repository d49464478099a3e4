package org.mmapmtl.prompt;

import ai.djl.Device;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mmapmtl.clip.ClipArchitecture;
import org.mmapmtl.clip.ClipInitializer;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.eval.Predictor;
import org.mmapmtl.safetensors.Safetensors;
import org.mmapmtl.safetensors.SafetensorsContent;
import org.mmapmtl.safetensors.Tensor;
import org.mmapmtl.train.CheckpointFile;

import java.net.URISyntaxException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Prompted forward passes against a PyTorch implementation of the paper's equations (scripts/prompted_goldens.py,
 * itself checked against the reference CLIP): checkpoints written by that script in the documented format, with
 * prompt values of its choosing, are read through the same path as {@code ./mmap predict} and must give its logits.
 */
class PromptedGoldenTest {
    /** The script's base CLIP: {@code ./mmap init-weights --arch tiny --seed 7}. */
    private static final long BASE_SEED = 7;
    private static final double TOLERANCE = 1e-5;
    static final List<String> TASKS = List.of("clipart", "painting", "sketch");

    @TempDir
    static Path dir;
    static ClipModel clip;
    static String baseSha256;
    static SafetensorsContent goldens;
    static List<String> classes;

    static Path resource(String name) throws URISyntaxException {
        return Path.of(PromptedGoldenTest.class.getResource("/prompted/" + name).toURI());
    }

    @BeforeAll
    static void load() throws Exception {
        Path base = dir.resolve("base.safetensors");
        ClipInitializer.write(base, ClipArchitecture.TINY, BASE_SEED);
        baseSha256 = CheckpointFile.sha256(base);
        goldens = Safetensors.read(resource("prompted.safetensors"));
        assertThat(baseSha256).as("the goldens were made on other base weights: ClipInitializer changed; rerun "
                + "scripts/prompted_goldens.py").isEqualTo(goldens.metadata().get("base_sha256"));
        classes = List.of(goldens.metadata().get("classes").replaceAll("[\\[\\]\" ]", "").split(","));
        clip = ClipModel.load(ClipWeights.read(base), Device.cpu());
    }

    @AfterAll
    static void close() {
        clip.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"coop", "vpt", "maple-mt", "mmap-mt", "mmap"})
    void logitsEqualThePyTorchImplementationOfThePapersEquations(String method) throws Exception {
        assertLogits(clip, baseSha256, goldens, classes, resource(method + ".safetensors"), method, TASKS);
    }

    /** The checkpoint's logits on the goldens' pixels, through {@code ./mmap predict}'s path, against the script's. */
    static void assertLogits(ClipModel clip, String baseSha256, SafetensorsContent goldens, List<String> classes,
                             Path checkpoint, String method, List<String> tasks) throws Exception {
        Tensor pixels = goldens.tensor("pixels");
        float[] zeroShot = goldens.tensor("logits/zero-shot").toFloats();
        int images = (int) pixels.shape()[0];
        try (Predictor predictor = Predictor.open(clip, baseSha256, checkpoint, classes)) {
            assertThat(predictor.classTokens()).as("class texts as the script tokenized them")
                    .containsExactly(longs(goldens.tensor("tokens/" + method)));
            assertThat(predictor.tasks()).containsExactlyElementsOf(tasks);
            for (String task : predictor.tasks()) {
                float[] expected = goldens.tensor("logits/" + method + "/" + task).toFloats();
                float[] actual = predictor.logits(task, pixels.toFloats(), images);
                assertThat(actual).hasSize(expected.length);
                double worst = 0;
                for (int i = 0; i < expected.length; i++) {
                    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
                }
                assertThat(worst).as("%s, task %s: max |ours - PyTorch| over logits %s", method, task,
                        Arrays.toString(expected)).isLessThanOrEqualTo(TOLERANCE);
                double moved = 0;
                for (int i = 0; i < expected.length; i++) {
                    moved = Math.max(moved, Math.abs(expected[i] - zeroShot[i]));
                }
                assertThat(moved).as("the chosen prompts must change the logits for the comparison to mean anything")
                        .isGreaterThan(0.1);
            }
        }
    }

    static long[] longs(Tensor t) {
        long[] values = new long[(int) t.elementCount()];
        t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(values);
        return values;
    }
}
