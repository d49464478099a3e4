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
import org.mmapmtl.experiment.MethodSpec;
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
        assertThat(count("vpt-mt", null)).isEqualTo(12 * 18 * 768);
        // MaPLe, depth 12: prompts 12 × 2 × 512 and 12 projections 512 → 768 with bias
        assertThat(count("maple-mt", null)).isEqualTo(12 * 2 * 512 + 12 * (512 * 768 + 768)).isEqualTo(4_740_096);
        assertThat(count("clip-adapter-mt", null)).isEqualTo(2 * 512 * 128);
        assertThat(count("full-ft", null)).isEqualTo(149_620_736); // every CLIP ViT-B/16 weight but logit_scale
        // MmAP per layer: mn + b(dl + dv)/(mn) = 6·256 + 6·1280/1536 = 1541; K = 12 layers
        assertThat(count("mmap-mt", null)).isEqualTo(12 * 1541);
        List<List<String>> threeGroups = List.of(List.of("Art", "Real_World"), List.of("Clipart"), List.of("Product"));
        assertThat(count("mmap", threeGroups)).isEqualTo(7 * 12 * 1541).isEqualTo(129_444);
        // one source for all K layers (the count formula's reading): mn + K·b(dl + dv)/(mn) = 1536 + 12·5 per set
        MethodSpec shared = MethodSpec.parse("mmap").withSourcePerLayer(false);
        assertThat(PromptMethod.layout(shared, B16, TASKS, threeGroups).stream().mapToLong(ParameterSpec::count).sum())
                .isEqualTo(7 * (6 * 256 + 12 * 5)).isEqualTo(11_172);
        assertThat(PromptMethod.layout(shared.withPromptLength(0), B16, TASKS, threeGroups)).extracting(ParameterSpec::name)
                .contains("group/0/source", "task/Art/source").doesNotContain("group/0/layer0.source");
        // per set: 12 sources 6 × 256, text MLP 256 → 304 → 512, visual MLP 256 → 304 → 768
        long mlpSet = 12 * 6 * 256 + (256 * 304 + 304 + 304 * 512 + 512) + (256 * 304 + 304 + 304 * 768 + 768);
        assertThat(count("mmap-mlp", threeGroups)).isEqualTo(7 * mlpSet).isEqualTo(3_955_616);
    }

    /** Table 1 of the paper (Office-Home, ViT-B/16, 4 tasks; the framework with 3 groups): ours within 5 %. */
    @Test
    void everyCountIsWithinFivePercentOfThePapersTable() {
        List<List<String>> threeGroups = List.of(List.of("Art", "Real_World"), List.of("Clipart"), List.of("Product"));
        // CoOp is the written exception: the paper's 0.04M needs 18-21 context tokens per task, its CoOp-MT 0.01M fits
        // CoOp's own 16, which we keep (32,768 = 0.03M); "prompt": {"length": 20} gives 40,960
        assertThat(count("coop", threeGroups)).isEqualTo(32_768);
        Map<String, Double> paper = Map.of("coop-mt", 0.01e6, "vpt-mt", 0.17e6, "vpt", 0.68e6,
                "maple-mt", 4.8e6, "maple", 19.2e6, "clip-adapter", 0.53e6, "bitfit", 0.17e6, "full-ft", 149.62e6,
                "mmap", 0.13e6);
        paper.forEach((method, count) -> {
            // the paper prints two decimals in millions: half a unit of the last digit is within its rounding
            double slack = Math.max(0.05 * count, 0.005e6);
            assertThat((double) count(method, threeGroups)).as(method).isCloseTo(count, org.assertj.core.data.Offset.offset(slack));
        });
        assertThat((double) count("mmap-mlp", threeGroups)).isCloseTo(3.96e6, org.assertj.core.data.Offset.offset(0.05 * 3.96e6));
    }

    @Test
    void mDefaultsToTheLargestDivisorOfTheTokenCountUpToSix() {
        for (int[] bm : new int[][] {{6, 6}, {12, 6}, {10, 5}, {8, 4}, {7, 1}, {3, 3}}) {
            MethodSpec spec = PromptMethod.resolve(MethodSpec.parse("mmap-mt").withPromptLength(bm[0]), B16);
            assertThat(spec.m()).as("b = %d", bm[0]).isEqualTo(bm[1]);
            assertThat(PromptMethod.layout(spec, B16, TASKS, null)).isNotEmpty();
        }
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
            assertThat(prompts.text()).hasSize(2); // tiny has 2 layers: depth min(12, 2)
            NDArray expected = KroneckerPrompt.kron(method.parameters().get("group/1/layer0.text"), method.parameters().get("group/1/layer0.source"))
                    .concat(KroneckerPrompt.kron(method.parameters().get("task/Clipart/layer0.text"), method.parameters().get("task/Clipart/layer0.source")), 0);
            assertThat(prompts.text().get(0).toFloatArray()).containsExactly(expected.toFloatArray());

            // [SOT, 12 placeholders, class tokens, ., EOT]: end-of-text sits 12 further right than without prompts
            long[] tokens = model.classTokens();
            int[] bare = tokenizer.tokenize("alarm clock.");
            assertThat(indexOf(tokens, 0, tokenizer.endOfText())).isEqualTo(indexOf(bare, tokenizer.endOfText()) + 12);
            assertThat(method.textTokens(0)).isEqualTo(12);
            // the text tower runs only up to the longest class text's end-of-text ("alarm clock" is longer)
            assertThat(model.textLength()).isEqualTo(indexOf(tokens, 0, tokenizer.endOfText()) + 1).isLessThan(77);

            NDArray images = scope.randomNormal(new Shape(3, 3, 64, 64));
            NDArray logits = model.logits(0, images);
            assertThat(logits.getShape()).isEqualTo(new Shape(3, 2));
            // evaluation's way: each task's text features once, then only images; the same logits, task by task
            for (int task = 0; task < TASKS.size(); task++) {
                NDArray text = model.textFeatures(task, scope);
                assertThat(model.logits(task, images, text).toFloatArray())
                        .containsExactly(model.logits(task, images).toFloatArray());
            }
            assertThat(model.logits(0, images, model.textFeatures(0, scope)).toFloatArray())
                    .isNotEqualTo(model.logits(0, images, model.textFeatures(1, scope)).toFloatArray());
            // features of another model's classes (or transposed) are refused, naming both shapes
            NDArray transposed = model.textFeatures(0, scope).transpose();
            assertThatThrownBy(() -> model.logits(0, images, transposed))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("(" + clip.config().embedDim() + ", 2)").hasMessageContaining("(2, "
                            + clip.config().embedDim() + ")");
        }
    }

    /** Scoring many batches against features computed once leaves nothing behind on the features' manager. */
    @Test
    void onceComputedTextFeaturesDoNotCollectEachBatchsArrays(@TempDir Path dir) {
        Path weights = dir.resolve("tiny.safetensors");
        ClipInitializer.write(weights, ClipArchitecture.TINY, 5);
        ClipTokenizer tokenizer = ClipTokenizer.bundled();
        for (String name : List.of("mmap-mt", "vpt-mt")) { // text features of the task's own, and a frozen tower's cache
            try (ClipModel clip = ClipModel.load(ClipWeights.read(weights), Device.cpu());
                 PromptMethod method = PromptMethod.create(MethodSpec.parse(name), clip, tokenizer, TASKS, null, 3);
                 PromptedClip model = new PromptedClip(clip, method, tokenizer, List.of("alarm clock", "bike"));
                 NDManager task = NDManager.newBaseManager(Device.cpu())) {
                method.parameters().bind(task);
                NDArray text = model.textFeatures(0, task);
                NDManager holder = text.getManager();
                int held = holder.getManagedArrays().size();
                for (int batch = 0; batch < 3; batch++) {
                    try (NDManager scope = task.newSubManager()) {
                        method.parameters().bind(scope);
                        NDArray logits = model.logits(0, scope.randomNormal(new Shape(2, 3, 64, 64)), text);
                        assertThat(logits.getShape()).isEqualTo(new Shape(2, 2));
                    }
                }
                assertThat(holder.getManagedArrays()).as(name).hasSize(held);
            }
        }
    }

    @Test
    void coopStartingFromTheTemplatesWordsIsZeroShotUntilItTrains(@TempDir Path dir) {
        Path weights = dir.resolve("tiny.safetensors");
        ClipInitializer.write(weights, ClipArchitecture.TINY, 5);
        ClipTokenizer tokenizer = ClipTokenizer.bundled();
        List<String> classes = List.of("alarm clock", "bike", "ring");
        try (ClipModel clip = ClipModel.load(ClipWeights.read(weights), Device.cpu());
             PromptMethod zeroShot = PromptMethod.create(MethodSpec.parse("zero-shot"), clip, tokenizer, TASKS, null, 1);
             PromptMethod coop = PromptMethod.create(MethodSpec.parse("coop-mt").withPromptLength(4), clip, tokenizer,
                     TASKS, null, 1, "a photo of a");
             PromptedClip plain = new PromptedClip(clip, zeroShot, tokenizer, classes);
             PromptedClip prompted = new PromptedClip(clip, coop, tokenizer, classes);
             NDManager scope = NDManager.newBaseManager(Device.cpu())) {
            coop.parameters().bind(scope);
            NDArray images = scope.randomNormal(new Shape(2, 3, 64, 64));
            float[] expected = plain.logits(0, images).toFloatArray();
            float[] actual = prompted.logits(0, images).toFloatArray();
            for (int i = 0; i < expected.length; i++) {
                assertThat(actual[i]).as("logit " + i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4f));
            }
            try (PromptMethod random = PromptMethod.create(MethodSpec.parse("coop-mt").withPromptLength(4), clip, tokenizer,
                    TASKS, null, 1);
                 PromptedClip randomStart = new PromptedClip(clip, random, tokenizer, classes)) {
                random.parameters().bind(scope);
                assertThat(randomStart.logits(0, images).toFloatArray()).as("CoOp's random start").isNotEqualTo(expected);
            }
            assertThatThrownBy(() -> PromptMethod.create(MethodSpec.parse("coop-mt").withPromptLength(16), clip, tokenizer,
                    TASKS, null, 1, "a photo of a")).hasMessageContaining("at most 4 tokens, got 16");
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
