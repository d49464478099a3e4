package org.mmapmtl.prompt;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmapmtl.clip.ClipArchitecture;
import org.mmapmtl.clip.ClipInitializer;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.tokenizer.ClipTokenizer;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PromptMethodTest {
    private static final List<String> TASKS = List.of("Art", "Clipart", "Product", "Real_World");
    private static final org.mmapmtl.clip.ClipConfig B16 = ClipArchitecture.VIT_B_16.config();

    private static long count(String method, List<List<String>> groups) {
        return PromptMethod.layout(MethodSpec.parse(method), B16, TASKS, groups).stream().mapToLong(ParameterSpec::count).sum();
    }

    @Test
    void parameterCountsOfViTB16MatchThePapersArithmetic() {
        assertThat(count("coop-mt", null)).isEqualTo(16 * 512);
        assertThat(count("coop", null)).isEqualTo(4 * 16 * 512);
        assertThat(count("vpt-mt", null)).isEqualTo(12 * 8 * 768);
        // MaPLe, depth 9: prompts 9 × 2 × 512 and 9 projections 512 → 768 with bias
        assertThat(count("maple-mt", null)).isEqualTo(9 * 2 * 512 + 9 * (512 * 768 + 768));
        assertThat(count("maple-mt", null)).isEqualTo(3_555_072);
        assertThat(count("clip-adapter-mt", null)).isEqualTo(2 * 512 * 128);
        assertThat(count("full-ft", null)).isEqualTo(149_620_736); // every CLIP ViT-B/16 weight but logit_scale
        // MmAP per layer: mn + b(dl + dv)/(mn) = 8·256 + 8·1280/2048 = 2053; depth 9
        assertThat(count("mmap-mt", null)).isEqualTo(9 * 2053);
        List<List<String>> threeGroups = List.of(List.of("Art", "Real_World"), List.of("Clipart"), List.of("Product"));
        assertThat(count("mmap", threeGroups)).isEqualTo(7 * 9 * 2053).isEqualTo(129_339);
    }

    @Test
    void namesRoundTripAndBadOnesAreNamed() {
        for (String name : MethodSpec.names()) {
            assertThat(MethodSpec.parse(name).name()).isEqualTo(name);
        }
        assertThatThrownBy(() -> MethodSpec.parse("bitfit-st")).hasMessageContaining("run it once per task");
        assertThatThrownBy(() -> MethodSpec.parse("prompt-magic")).hasMessageContaining("unknown method").hasMessageContaining("mmap-mt");
        assertThatThrownBy(() -> PromptMethod.layout(MethodSpec.parse("mmap"), B16, TASKS, null))
                .hasMessageContaining("needs a partition");
        assertThatThrownBy(() -> PromptMethod.layout(MethodSpec.parse("mmap"), B16, TASKS, List.of(List.of("Art"))))
                .hasMessageContaining("exactly once");
    }

    @Test
    void groupedTasksUseTheirGroupsTokensThenTheirOwn(@TempDir Path dir) {
        Path weights = dir.resolve("tiny.safetensors");
        ClipInitializer.write(weights, ClipArchitecture.TINY, 5);
        ClipTokenizer tokenizer = ClipTokenizer.bundled();
        List<List<String>> groups = List.of(List.of("Art", "Real_World"), List.of("Clipart", "Product"));
        try (ClipModel clip = ClipModel.load(ClipWeights.read(weights), Device.cpu());
             PromptMethod method = PromptMethod.create(MethodSpec.parse("mmap"), clip, tokenizer, TASKS, groups, 3);
             PromptedClip model = new PromptedClip(clip, method, tokenizer, List.of("alarm clock", "bike"));
             NDManager scope = NDManager.newBaseManager(Device.cpu())) {
            assertThat(method.slots(3)).containsExactly("group/0/", "task/Real_World/");
            assertThat(method.sharedParameterNames()).allMatch(n -> n.startsWith("group/"));
            method.parameters().bind(scope);
            PromptMethod.TaskPrompts prompts = method.prompts(1);
            assertThat(prompts.text()).hasSize(2); // tiny has 2 layers: depth min(9, 2)
            NDArray expected = KroneckerPrompt.kron(method.parameters().get("group/1/layer0.text"), method.parameters().get("group/1/layer0.source"))
                    .concat(KroneckerPrompt.kron(method.parameters().get("task/Clipart/layer0.text"), method.parameters().get("task/Clipart/layer0.source")), 0);
            assertThat(prompts.text().get(0).toFloatArray()).containsExactly(expected.toFloatArray());

            // [SOT, 16 placeholders, class tokens, ., EOT]: end-of-text sits 16 further right than without prompts
            long[] tokens = model.classTokens();
            int[] bare = tokenizer.tokenize("alarm clock.");
            assertThat(indexOf(tokens, 0, tokenizer.endOfText())).isEqualTo(indexOf(bare, tokenizer.endOfText()) + 16);
            assertThat(method.textTokens(0)).isEqualTo(16);

            NDArray logits = model.logits(0, scope.randomNormal(new Shape(3, 3, 64, 64)));
            assertThat(logits.getShape()).isEqualTo(new Shape(3, 2));
        }
    }

    @Test
    void promptMethodsLeaveClipAloneAndBitFitTrainsOnlyBiases(@TempDir Path dir) {
        Path weights = dir.resolve("tiny.safetensors");
        ClipInitializer.write(weights, ClipArchitecture.TINY, 5);
        try (ClipModel clip = ClipModel.load(ClipWeights.read(weights), Device.cpu());
             PromptMethod bitfit = PromptMethod.create(MethodSpec.parse("bitfit"), clip, ClipTokenizer.bundled(), TASKS, null, 1)) {
            assertThat(bitfit.parameters().names()).isNotEmpty().allMatch(n -> n.endsWith("bias"));
            Map<String, Long> layout = new java.util.HashMap<>();
            PromptMethod.layout(MethodSpec.parse("bitfit"), clip.config(), TASKS, null).forEach(p -> layout.put(p.name(), p.count()));
            assertThat(bitfit.parameters().count()).isEqualTo(layout.values().stream().mapToLong(Long::longValue).sum());
        }
    }

    private static int indexOf(long[] row, int rowIndex, int id) {
        for (int i = 0; i < 77; i++) {
            if (row[rowIndex * 77 + i] == id) {
                return i;
            }
        }
        return -1;
    }

    private static int indexOf(int[] row, int id) {
        for (int i = 0; i < row.length; i++) {
            if (row[i] == id) {
                return i;
            }
        }
        return -1;
    }
}
