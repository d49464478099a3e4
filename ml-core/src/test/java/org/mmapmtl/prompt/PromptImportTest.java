package org.mmapmtl.prompt;

import ai.djl.Device;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmapmtl.clip.ClipArchitecture;
import org.mmapmtl.clip.ClipInitializer;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.safetensors.Safetensors;
import org.mmapmtl.safetensors.SafetensorsContent;
import org.mmapmtl.train.CheckpointFile;
import org.mmapmtl.train.PromptImport;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Prompt learners saved the way CoOp's and MaPLe's own code saves them (tensor names {@code prompt_learner.ctx},
 * {@code prompt_learner.compound_prompts_text.N}, {@code prompt_learner.compound_prompt_projections.N.weight} [out, in],
 * their frozen {@code token_prefix}/{@code token_suffix} beside), written by scripts/prompted_goldens.py --foreign
 * with the logits of its PyTorch forward: imported, they must give those logits through {@code ./mmap predict}'s path.
 */
class PromptImportTest {
    private static final List<String> TASKS = List.of("imported");

    @TempDir
    static Path dir;
    static Path base;
    static ClipModel clip;
    static String baseSha256;
    static SafetensorsContent goldens;
    static List<String> classes;

    static Path resource(String name) throws Exception {
        return Path.of(PromptImportTest.class.getResource("/imported/" + name).toURI());
    }

    @BeforeAll
    static void load() throws Exception {
        base = dir.resolve("base.safetensors");
        ClipInitializer.write(base, ClipArchitecture.TINY, 7);
        baseSha256 = CheckpointFile.sha256(base);
        goldens = Safetensors.read(resource("prompted.safetensors"));
        assertThat(goldens.metadata().get("base_sha256")).isEqualTo(baseSha256);
        classes = List.of(goldens.metadata().get("classes").replaceAll("[\\[\\]\" ]", "").split(","));
        clip = ClipModel.load(ClipWeights.read(base), Device.cpu());
    }

    @AfterAll
    static void close() {
        clip.close();
    }

    @Test
    void aMapleLearnerBecomesMapleMtWithItsLogits() throws Exception {
        Path out = dir.resolve("maple.safetensors");
        PromptImport.Imported imported = PromptImport.run(PromptImport.Source.MAPLE, resource("maple-learner.safetensors"),
                base, TASKS, out);
        assertThat(imported.method()).isEqualTo("maple-mt");
        assertThat(imported.tokens()).isEqualTo(2);
        assertThat(imported.depth()).isEqualTo(2); // the first layer's ctx and one compound prompt
        assertThat(CheckpointFile.read(out).metadata()).containsEntry("imported_from", "maple: maple-learner.safetensors");
        PromptedGoldenTest.assertLogits(clip, baseSha256, goldens, classes, out, "maple-mt", TASKS);
    }

    @Test
    void aCoopLearnerBecomesCoopMtWithItsLogits() throws Exception {
        Path out = dir.resolve("coop.safetensors");
        PromptImport.Imported imported = PromptImport.run(PromptImport.Source.COOP, resource("coop-learner.safetensors"),
                base, TASKS, out);
        assertThat(imported.method()).isEqualTo("coop-mt");
        assertThat(imported.tokens()).isEqualTo(4);
        PromptedGoldenTest.assertLogits(clip, baseSha256, goldens, classes, out, "coop-mt", TASKS);
    }

    @Test
    void theWrongSourceOrBaseIsNamed() throws Exception {
        Path out = dir.resolve("wrong.safetensors");
        assertThatThrownBy(() -> PromptImport.run(PromptImport.Source.MAPLE, resource("coop-learner.safetensors"), base, TASKS, out))
                .hasMessageContaining("lacks prompt_learner.proj.weight").hasMessageContaining("the other method's file");
        assertThatThrownBy(() -> PromptImport.run(PromptImport.Source.COOP, resource("maple-learner.safetensors"), base, TASKS, out))
                .hasMessageContaining("does not know").hasMessageContaining("compound_prompts_text.0");
        Path deep = dir.resolve("deep.safetensors");
        ClipInitializer.write(deep, ClipArchitecture.TINY_DEEP, 7);
        assertThatThrownBy(() -> PromptImport.run(PromptImport.Source.MAPLE, resource("maple-learner.safetensors"), deep, TASKS, out))
                .hasMessageContaining("maple-learner.safetensors").hasMessageContaining("shape");
    }
}
