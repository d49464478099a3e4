package org.mmapmtl.clip;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmapmtl.safetensors.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ClipInitializerTest {
    @TempDir
    Path dir;

    @Test
    void writtenWeightsLoadBackAsTheirArchitecture() {
        Path file = dir.resolve("tiny.safetensors");
        ClipInitializer.write(file, ClipArchitecture.TINY, 5);
        ClipWeights weights = ClipWeights.read(file);
        assertThat(weights.config()).isEqualTo(ClipArchitecture.TINY.config());
        assertThat(weights.metadata()).containsEntry("clip.architecture", "tiny");
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherWeights() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Path c = dir.resolve("c");
        ClipInitializer.write(a, ClipArchitecture.TINY, 5);
        ClipInitializer.write(b, ClipArchitecture.TINY, 5);
        ClipInitializer.write(c, ClipArchitecture.TINY, 6);
        assertThat(Files.mismatch(a, b)).isEqualTo(-1);
        assertThat(Files.mismatch(a, c)).isNotEqualTo(-1);
    }

    @Test
    void followsTheReferenceStandardDeviations() {
        ClipConfig config = ClipArchitecture.TINY.config();
        Map<String, Tensor> t = ClipInitializer.initialize(config, 9);
        assertThat(std(t.get("token_embedding.weight"))).isCloseTo(0.02, within(0.001));
        int w = config.text().width();
        assertThat(std(t.get("transformer.resblocks.0.attn.in_proj_weight"))).isCloseTo(Math.pow(w, -0.5), within(0.005));
        assertThat(std(t.get("transformer.resblocks.1.mlp.c_fc.weight"))).isCloseTo(Math.pow(2.0 * w, -0.5), within(0.005));
        assertThat(t.get("logit_scale").toFloats()[0]).isCloseTo((float) Math.log(1 / 0.07), within(1e-6f));
        assertThat(t.get("visual.ln_post.weight").toFloats()).containsOnly(1f);
    }

    static double std(Tensor t) {
        float[] v = t.toFloats();
        double mean = 0;
        for (float x : v) mean += x;
        mean /= v.length;
        double var = 0;
        for (float x : v) var += (x - mean) * (x - mean);
        return Math.sqrt(var / v.length);
    }
}
