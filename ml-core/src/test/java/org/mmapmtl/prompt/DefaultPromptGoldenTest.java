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
import org.mmapmtl.safetensors.Safetensors;
import org.mmapmtl.safetensors.SafetensorsContent;
import org.mmapmtl.train.CheckpointFile;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MmAP at its defaults against the PyTorch implementation of the paper's equations: a 12-layer CLIP whose widths have
 * ViT-B/16's ratio ({@link ClipArchitecture#TINY_DEEP}), checkpoints that leave b, K, m and n to the defaults (the
 * script writes them as 0, so this reads b = m = 6, K = 12, n = the widths' gcd: Ml 1×2 and Mv 1×3 per layer, as on
 * ViT-B/16), both readings of the source prompt. A forward that prompted fewer layers, or resolved another default,
 * gives other logits. Goldens: {@code ./mmap init-weights --arch tiny-deep --seed 7}, then
 * {@code scripts/prompted_goldens.py BASE ml-core/src/test/resources/prompted-defaults --defaults}.
 */
class DefaultPromptGoldenTest {
    private static final long BASE_SEED = 7;

    @TempDir
    static Path dir;
    static ClipModel clip;
    static String baseSha256;
    static SafetensorsContent goldens;
    static List<String> classes;

    static Path resource(String name) throws Exception {
        return Path.of(DefaultPromptGoldenTest.class.getResource("/prompted-defaults/" + name).toURI());
    }

    @BeforeAll
    static void load() throws Exception {
        Path base = dir.resolve("base.safetensors");
        ClipInitializer.write(base, ClipArchitecture.TINY_DEEP, BASE_SEED);
        baseSha256 = CheckpointFile.sha256(base);
        goldens = Safetensors.read(resource("prompted.safetensors"));
        assertThat(baseSha256).as("the goldens were made on other base weights: ClipInitializer changed; rerun "
                + "scripts/prompted_goldens.py --defaults").isEqualTo(goldens.metadata().get("base_sha256"));
        classes = List.of(goldens.metadata().get("classes").replaceAll("[\\[\\]\" ]", "").split(","));
        clip = ClipModel.load(ClipWeights.read(base), Device.cpu());
    }

    @AfterAll
    static void close() {
        clip.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mmap-mt", "mmap", "mmap-mt-shared-source"})
    void mmapAtItsDefaultsGivesThePyTorchLogits(String method) throws Exception {
        PromptedGoldenTest.assertLogits(clip, baseSha256, goldens, classes, resource(method + ".safetensors"), method,
                PromptedGoldenTest.TASKS);
    }
}
