package org.mmapmtl.train;

import ai.djl.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmapmtl.clip.ClipConfig;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.data.Captions;
import org.mmapmtl.data.ShapeWorld;
import org.mmapmtl.eval.StyleTransfer;
import org.mmapmtl.experiment.ExperimentSpec;
import org.mmapmtl.safetensors.DType;
import org.mmapmtl.safetensors.Safetensors;
import org.mmapmtl.tokenizer.ClipTokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContrastivePretrainingTest {
    private static final ClipConfig MICRO = new ClipConfig(32, new ClipConfig.Vision(32, 1, 2, 8, 32),
            new ClipConfig.Text(32, 1, 2, 77, 49408));
    private static final Captions WORDS = Captions.DESCRIPTIVE;

    @Test
    void bothTowersLearnFromCaptionsAndTheFileIsAHalfPrecisionClip(@TempDir Path dir) {
        ContrastivePretraining.Config config = new ContrastivePretraining.Config(MICRO, 3, 40, 32, 3e-3, 0.1, 4, 20, WORDS);
        List<ContrastivePretraining.Report> reports = new ArrayList<>();
        Path out = dir.resolve("micro.safetensors");
        ContrastivePretraining.Result result = ContrastivePretraining.run(config, ClipTokenizer.bundled(), out, reports::add);

        assertThat(reports).hasSize(40);
        assertThat(reports).allSatisfy(r -> assertThat(r.loss()).isFinite());
        double first = reports.subList(0, 5).stream().mapToDouble(ContrastivePretraining.Report::loss).average().orElseThrow();
        double last = reports.subList(35, 40).stream().mapToDouble(ContrastivePretraining.Report::loss).average().orElseThrow();
        assertThat(last).as("mean loss of the last steps against the first").isLessThan(first - 0.1);
        assertThat(first).isCloseTo(Math.log(32), org.assertj.core.data.Offset.offset(0.5)); // a random CLIP guesses
        assertThat(result.steps()).isEqualTo(40);

        var content = Safetensors.read(out);
        assertThat(content.tensors().get("visual.conv1.weight").dtype()).isEqualTo(DType.F16);
        assertThat(content.tensors().get("logit_scale").dtype()).isEqualTo(DType.F32);
        assertThat(content.metadata().get("clip.init")).contains("contrastive pretraining").contains("seed 3");
        assertThat(ClipWeights.read(out).config()).isEqualTo(MICRO);
    }

    /** Version 4 continues version 3: its image tower's weights come out as they went in, its text tower's move. */
    @Test
    void theTextStageLearnsOnlyInTheTextTower(@TempDir Path dir) {
        ContrastivePretraining.Config stage = ContrastivePretraining.Config.version4();
        ContrastivePretraining.Config config = new ContrastivePretraining.Config(stage.architecture(), 4, 2, 8, 1e-3,
                0.1, 1, 24, Captions.STYLED, 3, true);
        Path out = dir.resolve("stage.safetensors");
        ContrastivePretraining.run(config, ClipTokenizer.bundled(), out, r -> { });

        var before = ClipWeights.read(BaseWeights.resolve(ExperimentSpec.GENERATED_TINY_V3, dir.resolve("a"), m -> { }));
        var after = Safetensors.read(out);
        assertThat(after.tensors().get("visual.transformer.resblocks.0.attn.in_proj_weight").toFloats())
                .containsExactly(before.tensors().get("visual.transformer.resblocks.0.attn.in_proj_weight").toFloats());
        assertThat(after.tensors().get("visual.proj").toFloats()).containsExactly(before.tensors().get("visual.proj").toFloats());
        assertThat(after.tensors().get("transformer.resblocks.0.attn.in_proj_weight").toFloats())
                .isNotEqualTo(before.tensors().get("transformer.resblocks.0.attn.in_proj_weight").toFloats());
        assertThat(after.metadata().get("clip.init")).contains("from generated:tiny-v3 with its image tower locked");
        assertThatThrownBy(() -> new ContrastivePretraining.Config(MICRO, 1, 2, 8, 1e-3, 0, 0, 20, WORDS, 0, true))
                .hasMessageContaining("locked image tower");
    }

    @Test
    void theSameSeedWritesTheSameFile(@TempDir Path dir) {
        ContrastivePretraining.Config config = new ContrastivePretraining.Config(MICRO, 5, 3, 8, 1e-3, 0.1, 1, 20, WORDS);
        Path a = dir.resolve("a.safetensors");
        Path b = dir.resolve("b.safetensors");
        ContrastivePretraining.run(config, ClipTokenizer.bundled(), a, r -> { });
        ContrastivePretraining.run(config, ClipTokenizer.bundled(), b, r -> { });
        assertThat(CheckpointFile.sha256(a)).isEqualTo(CheckpointFile.sha256(b));
    }

    /** Zeroing the untrained rows of the token table must never touch a token that some caption uses. */
    @Test
    void everyCaptionTokenIsKeptAndOnlyThoseAreWritten(@TempDir Path dir) {
        ClipTokenizer tokenizer = ClipTokenizer.bundled();
        for (Captions wording : Captions.values()) {
            java.util.BitSet words = ContrastivePretraining.captionTokens(tokenizer, wording);
            for (int i = 0; i < 3000; i++) {
                String caption = ShapeWorld.pretrainingPair(9, i, 16, wording).caption();
                for (int token : tokenizer.tokenize(caption, 77, true)) {
                    if (token != 0) {
                        assertThat(words.get(token)).as("token '%s' of %s caption '%s'", tokenizer.token(token),
                                wording, caption).isTrue();
                    }
                }
            }
            assertThat(words.cardinality()).isBetween(40, 400);
        }
        java.util.BitSet kept = ContrastivePretraining.captionTokens(tokenizer, WORDS);

        Path out = dir.resolve("micro.safetensors");
        ContrastivePretraining.run(new ContrastivePretraining.Config(MICRO, 5, 2, 8, 1e-3, 0.1, 1, 20, WORDS), tokenizer, out,
                r -> { });
        float[] table = ClipWeights.read(out).tensor(ContrastivePretraining.TOKEN_TABLE).toFloats();
        int width = MICRO.text().width();
        for (int row = 0; row < table.length / width; row++) {
            boolean zero = true;
            for (int k = 0; k < width; k++) {
                zero &= table[row * width + k] == 0f;
            }
            assertThat(zero).as("row %d of the token table is zero", row).isEqualTo(!kept.get(row));
        }
    }

    @Test
    void learningRateWarmsUpThenDecaysToZero() {
        ContrastivePretraining.Config c = new ContrastivePretraining.Config(MICRO, 1, 100, 8, 1e-3, 0, 10, 20, WORDS);
        assertThat(ContrastivePretraining.rate(c, 0)).isEqualTo(1e-4);
        assertThat(ContrastivePretraining.rate(c, 9)).isEqualTo(1e-3);
        assertThat(ContrastivePretraining.rate(c, 99)).isLessThan(1e-6);
        assertThatThrownBy(() -> new ContrastivePretraining.Config(MICRO, 1, 0, 8, 1e-3, 0, 0, 20, WORDS))
                .hasMessageContaining("steps >= 1");
    }

    /**
     * The shipped model: what generated:tiny names is the file whose SHA-256 the build records, and it transfers to
     * the task styles it never saw: well above chance, far from perfect, so prompts have something to learn.
     */
    @Test
    void theShippedTinyClipTransfersToStylesItNeverSaw(@TempDir Path artifacts) {
        Path file = BaseWeights.resolve(ExperimentSpec.GENERATED_TINY, artifacts, m -> { });
        assertThat(file).hasFileName("tiny-clip-v4.safetensors");
        assertThat(CheckpointFile.sha256(file)).isEqualTo(BaseWeights.VERSIONS.get(ExperimentSpec.GENERATED_TINY_V4).sha256());
        assertThat(BaseWeights.resolve(ExperimentSpec.GENERATED_TINY_V4, artifacts, m -> { })).isEqualTo(file);
        // the older versions stay, so that their experiments stay reproducible
        for (String old : List.of(ExperimentSpec.GENERATED_TINY_V1, ExperimentSpec.GENERATED_TINY_V2,
                ExperimentSpec.GENERATED_TINY_V3)) {
            Path f = BaseWeights.resolve(old, artifacts, m -> { });
            assertThat(CheckpointFile.sha256(f)).as(old).isEqualTo(BaseWeights.VERSIONS.get(old).sha256());
        }
        assertThatThrownBy(() -> BaseWeights.resolve("generated:tiny-v9", artifacts, m -> { }))
                .hasMessageContaining("generated:tiny-v9").hasMessageContaining("generated:tiny-v4");

        int classes = ShapeWorld.DEMO_CLASSES;
        double chance = 1.0 / classes;
        try (ClipModel clip = ClipModel.load(ClipWeights.read(file), Device.cpu())) {
            Map<String, Double> unseen = StyleTransfer.zeroShot(clip, ClipTokenizer.bundled(), ShapeWorld.TASK_STYLES,
                    classes, 40, 77);
            Map<String, Double> seen = StyleTransfer.zeroShot(clip, ClipTokenizer.bundled(),
                    ShapeWorld.PRETRAINING_STYLES, classes, 40, 77);
            System.out.println("zero-shot on unseen styles " + unseen + ", on pretraining styles " + seen);
            double unseenMean = unseen.values().stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            double seenMean = seen.values().stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            assertThat(unseenMean).as("zero-shot on the task styles").isGreaterThan(2 * chance).isLessThan(0.85);
            assertThat(seenMean).as("zero-shot on the pretraining styles").isGreaterThan(unseenMean);
            assertThat(unseen).allSatisfy((style, a) -> assertThat(a).as(style).isGreaterThan(chance + 0.05));
        }
    }
}
