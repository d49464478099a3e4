package org.mmapmtl.trainer.spec;

import org.mmapmtl.experiment.ExperimentSpec;
import org.mmapmtl.experiment.GroupingSpec;
import org.mmapmtl.experiment.Recipe;
import org.mmapmtl.experiment.SpecJson;
import org.mmapmtl.experiment.Variant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class SpecReaderTest {
    static final String MINIMAL = """
            {"dataset": {"root": "data/gen", "percent": 10}, "weights": "generated:tiny", "methods": ["mmap", "coop-mt"]}
            """;

    static ExperimentSpec read(String json) {
        return SpecReader.read(json.getBytes(StandardCharsets.UTF_8), false);
    }

    static List<String> fields(String json) {
        InvalidSpecException e = catchThrowableOfType(InvalidSpecException.class, () -> read(json));
        assertThat(e).as("spec %s must be refused", json).isNotNull();
        return e.errors().stream().map(SpecError::field).toList();
    }

    @Test
    void theTinyClipIsStoredUnderItsVersionAndUnknownVersionsAreRefused() {
        assertThat(read(MINIMAL).weights()).isEqualTo("generated:tiny-v4");
        assertThat(read(MINIMAL.replace("generated:tiny", "generated:tiny-v1")).weights()).isEqualTo("generated:tiny-v1");
        assertThat(read(MINIMAL.replace("generated:tiny", "generated:tiny-v2")).weights()).isEqualTo("generated:tiny-v2");
        assertThat(read(MINIMAL.replace("generated:tiny", "generated:tiny-v3")).weights()).isEqualTo("generated:tiny-v3");
        assertThat(read(MINIMAL.replace("generated:tiny", "generated:tiny-v4")).weights()).isEqualTo("generated:tiny-v4");
        assertThat(fields(MINIMAL.replace("generated:tiny", "generated:tiny-v7"))).containsExactly("weights");
    }

    @Test
    void aMinimalSpecGetsThePapersDefaults() {
        ExperimentSpec spec = read(MINIMAL);
        assertThat(spec.seeds()).containsExactly(1L, 2L, 3L);
        assertThat(spec.recipe()).isEqualTo(Recipe.paper());
        assertThat(spec.grouping()).isEqualTo(GroupingSpec.defaults());
        assertThat(spec.dataset().kind()).isEqualTo("folder");
        assertThat(spec.device()).isEqualTo("cpu");
        assertThat(spec.needsPartition()).isTrue();
    }

    /** The shipped examples are specs this reader accepts (their files are checked where they are submitted). */
    @Test
    void everyExampleSpecReads() throws Exception {
        List<java.nio.file.Path> examples;
        try (var files = java.nio.file.Files.list(java.nio.file.Path.of("../examples"))) {
            examples = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(examples).hasSizeGreaterThanOrEqualTo(7);
        for (java.nio.file.Path f : examples) {
            ExperimentSpec spec = SpecReader.read(java.nio.file.Files.readAllBytes(f), true);
            assertThat(spec.methods()).as(f.toString()).isNotEmpty();
        }
    }

    @Test
    void mmapsSourcePromptIsPerLayerUnlessTheSpecSharesIt() {
        assertThat(read(MINIMAL).prompt().sourcePerLayerOrDefault()).isTrue();
        assertThat(read(MINIMAL).prompt().sourcePerLayer()).isNull(); // left out, and so left out of the stored spec
        var shared = read(MINIMAL.replace("\"methods\"", "\"prompt\": {\"sourcePerLayer\": false}, \"methods\"")).prompt();
        assertThat(shared.sourcePerLayerOrDefault()).isFalse();
        assertThat(SpecJson.write(shared)).contains("\"sourcePerLayer\":false");
        assertThat(fields(MINIMAL.replace("\"methods\"", "\"prompt\": {\"sourcePerLayer\": \"no\"}, \"methods\"")))
                .containsExactly("prompt.sourcePerLayer");
    }

    @Test
    void theBatchIsReadPerTaskUnlessTheSpecSaysPerStep() throws Exception {
        assertThat(read(MINIMAL).recipe().batchPer()).isEqualTo("task");
        Recipe perStep = read(MINIMAL.replace("\"methods\"", "\"recipe\": {\"batchPer\": \"Step\"}, \"methods\"")).recipe();
        assertThat(perStep.batchPer()).isEqualTo("step");
        assertThat(perStep.batchSize()).isEqualTo(16);
        // 16 images a step: 4 for each of 4 tasks, 8 for each of a group's 2, 5 for each of 3 (15 a step)
        assertThat(perStep.perTaskBatch(4)).isEqualTo(4);
        assertThat(perStep.perTaskBatch(2)).isEqualTo(8);
        assertThat(perStep.perTaskBatch(3)).isEqualTo(5);
        assertThat(perStep.perTaskBatch(1)).isEqualTo(16);
        assertThat(perStep.perTaskBatch(40)).isEqualTo(1);
        assertThat(Recipe.paper().perTaskBatch(4)).isEqualTo(16);
        // a spec stored before the choice existed reads as the per-task reading it trained with
        String stored = SpecJson.write(Recipe.paper());
        assertThat(stored).contains(",\"batchPer\":\"task\"");
        Recipe old = new com.fasterxml.jackson.databind.ObjectMapper().readValue(
                stored.replace(",\"batchPer\":\"task\"", ""), Recipe.class);
        assertThat(old).isEqualTo(Recipe.paper());
    }

    @Test
    void precisionIsFloat32UnlessTheSpecAsksForBf16WhereTheCpuHasIt() throws Exception {
        assertThat(read(MINIMAL).recipe().precision()).isEqualTo("fp32");
        String bf16 = MINIMAL.replace("\"methods\"", "\"recipe\": {\"precision\": \"BF16\"}, \"methods\"");
        if (org.mmapmtl.clip.Precision.BF16.runsNativelyOn(ai.djl.Device.cpu())) {
            assertThat(read(bf16).recipe().precision()).isEqualTo("bf16");
        } else {
            assertThat(fields(bf16)).containsExactly("recipe.precision");
        }
        // a GPU multiplies bfloat16 natively: the spec is taken whatever this trainer's CPU is
        String gpu = bf16.replace("\"methods\"", "\"device\": \"gpu\", \"methods\"");
        assertThat(read(gpu).recipe().precision()).isEqualTo("bf16");
        // a spec stored before the choice existed reads as float32
        String stored = SpecJson.write(Recipe.paper());
        assertThat(stored).contains(",\"precision\":\"fp32\"");
        Recipe old = new com.fasterxml.jackson.databind.ObjectMapper().readValue(
                stored.replace(",\"precision\":\"fp32\"", ""), Recipe.class);
        assertThat(old).isEqualTo(Recipe.paper());
    }

    @Test
    void gradientClippingIsOffUnlessTheSpecSetsAPositiveNorm() throws Exception {
        assertThat(read(MINIMAL).recipe().maxGradNorm()).isNull();
        ExperimentSpec clipped = read(MINIMAL.replace("\"methods\"", "\"recipe\": {\"maxGradNorm\": 10}, \"methods\""));
        assertThat(clipped.recipe().maxGradNorm()).isEqualTo(10.0);
        assertThat(clipped.recipe().describe()).contains("gradient norm clipped to 10");
        assertThat(read(SpecReader.toJson(clipped.withId("e1")))).isEqualTo(clipped.withId("e1"));
        for (String bad : List.of("0", "-1", "\"ten\"", "1e9")) {
            assertThat(fields(MINIMAL.replace("\"methods\"", "\"recipe\": {\"maxGradNorm\": " + bad + "}, \"methods\"")))
                    .as("maxGradNorm %s", bad).containsExactly("recipe.maxGradNorm");
        }
        // a recipe stored without the field (before it existed, or unclipped) clips nothing; an unclipped one omits it
        String stored = SpecJson.write(Recipe.paper());
        assertThat(stored).doesNotContain("maxGradNorm");
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readValue(stored, Recipe.class).maxGradNorm()).isNull();
        assertThat(SpecProvenance.of(read(MINIMAL)).get("recipe.maxGradNorm").source()).isEqualTo("MaPLe/Dassl");
        assertThat(SpecProvenance.of(clipped).get("recipe.maxGradNorm").source()).isEqualTo("this spec");
    }

    @Test
    void bf16OnACpuWithoutItIsRefusedForTrainingAndForPhaseOneWhateverThisCpuIs() {
        SpecWorld without = new SpecWorld() {
            @Override
            public boolean cpuRunsBf16() {
                return false;
            }
        };
        SpecWorld with = new SpecWorld() {
            @Override
            public boolean cpuRunsBf16() {
                return true;
            }
        };
        String recipe = MINIMAL.replace("\"methods\"", "\"recipe\": {\"precision\": \"bf16\"}, \"methods\"");
        String phase1 = MINIMAL.replace("\"methods\"", "\"grouping\": {\"precision\": \"bf16\"}, \"methods\"");
        String both = MINIMAL.replace("\"methods\"",
                "\"recipe\": {\"precision\": \"bf16\"}, \"grouping\": {\"precision\": \"bf16\"}, \"methods\"");
        assertThat(refused(recipe, without)).containsExactly("recipe.precision");
        assertThat(refused(phase1, without)).containsExactly("grouping.precision");
        assertThat(refused(both, without)).containsExactly("recipe.precision", "grouping.precision");
        InvalidSpecException e = catchThrowableOfType(InvalidSpecException.class, () -> read(phase1, without));
        assertThat(e.errors().get(0).message()).contains("this trainer's CPU");
        // phase 1 in float32 under a bf16 recipe asks nothing of the CPU that the recipe does not
        String fp32Phase1 = recipe.replace("\"methods\"", "\"grouping\": {\"precision\": \"fp32\"}, \"methods\"");
        assertThat(refused(fp32Phase1, without)).containsExactly("recipe.precision");
        assertThat(read(both, with).grouping().precision()).isEqualTo("bf16");
        assertThat(read(fp32Phase1, with).grouping().precision()).isEqualTo("fp32");
        // on a GPU the CPU is not asked
        assertThat(read(both.replace("\"methods\"", "\"device\": \"gpu\", \"methods\""), without)
                .recipe().precision()).isEqualTo("bf16");
    }

    private static ExperimentSpec read(String json, SpecWorld world) {
        return SpecReader.read(json.getBytes(StandardCharsets.UTF_8), false, world);
    }

    private static List<String> refused(String json, SpecWorld world) {
        InvalidSpecException e = catchThrowableOfType(InvalidSpecException.class, () -> read(json, world));
        assertThat(e).as("spec %s must be refused", json).isNotNull();
        return e.errors().stream().map(SpecError::field).toList();
    }

    @Test
    void miniDomainNetDefaultsToThePapersBatchOfFour() {
        ExperimentSpec mini = read("""
                {"dataset": {"kind": "mini-domainnet", "root": "data/mdn", "percent": 1}, "weights": "generated:tiny", "methods": ["mmap"]}""");
        assertThat(mini.recipe().batchSize()).isEqualTo(4);
        assertThat(mini.recipe().epochs()).isEqualTo(5);
        ExperimentSpec office = read("""
                {"dataset": {"kind": "office-home", "root": "data/oh", "percent": 10}, "weights": "generated:tiny", "methods": ["mmap"]}""");
        assertThat(office.recipe().batchSize()).isEqualTo(16);
        ExperimentSpec chosen = read("""
                {"dataset": {"kind": "mini-domainnet", "root": "data/mdn", "percent": 1}, "weights": "generated:tiny", "methods": ["mmap"],
                 "recipe": {"batchSize": 8}}""");
        assertThat(chosen.recipe().batchSize()).isEqualTo(8);
    }

    @Test
    void coopsStartingWordsAreKeptAndOnlyPlainWordsAreTaken() {
        String with = MINIMAL.replace("\"methods\"", "\"prompt\": {\"contextInit\": \"  a photo   of a \"}, \"methods\"");
        ExperimentSpec spec = read(with);
        assertThat(spec.prompt().contextInit()).isEqualTo("a photo of a");
        assertThat(SpecJson.experimentSpec(SpecJson.write(spec.withId("e1")))).isEqualTo(spec.withId("e1"));
        assertThat(read(MINIMAL).prompt().contextInit()).isNull();
        assertThat(SpecJson.write(read(MINIMAL).withId("e1"))).doesNotContain("contextInit");
        assertThat(fields(MINIMAL.replace("\"methods\"", "\"prompt\": {\"contextInit\": \"a <photo>\"}, \"methods\"")))
                .containsExactly("prompt.contextInit");
        assertThat(fields(MINIMAL.replace("\"methods\"", "\"prompt\": {\"contextInit\": 4}, \"methods\"")))
                .containsExactly("prompt.contextInit");
        assertThat(fields(MINIMAL.replace("\"methods\"", "\"prompt\": {\"contextInit\": \""
                + "word ".repeat(65).trim() + "\"}, \"methods\""))).containsExactly("prompt.contextInit");
    }

    @Test
    void theStoredSpecReadsBackToItself() {
        ExperimentSpec spec = read(MINIMAL).withId("e1");
        String json = SpecReader.toJson(spec);
        assertThat(json).doesNotContain("imported");
        // phase 1's precision left to the recipe is left out, so that a reader older than the field takes the spec
        assertThat(json).doesNotContainPattern("\"precision\"\\s*:\\s*null");
        assertThat(read(json)).isEqualTo(spec);
        assertThat(SpecJson.experimentSpec(SpecJson.write(spec))).isEqualTo(spec);
        ExperimentSpec importing = read(MINIMAL.replace("\"methods\"", "\"imported\": {\"theirs\": \"i/a.safetensors\", "
                + "\"coop-theirs\": \"i/b.safetensors\"}, \"methods\"")).withId("e2");
        assertThat(importing.imported().keySet()).containsExactly("theirs", "coop-theirs");
        assertThat(read(SpecReader.toJson(importing))).isEqualTo(importing);
        assertThat(SpecJson.experimentSpec(SpecJson.write(importing))).isEqualTo(importing);
    }

    @Test
    void yamlReadsTheSame() {
        String yaml = """
                dataset:
                  root: data/gen
                  percent: 10
                weights: generated:tiny
                methods: [mmap, coop-mt]
                """;
        assertThat(SpecReader.read(yaml.getBytes(StandardCharsets.UTF_8), true)).isEqualTo(read(MINIMAL));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "not json                | {dataset:                                                                      | $",
            "not an object           | [1, 2]                                                                         | $",
            "missing dataset         | {\"weights\": \"w\", \"methods\": [\"coop\"]}                                  | dataset",
            "missing weights         | {\"dataset\": {\"root\": \"r\", \"percent\": 10}, \"methods\": [\"coop\"]}     | weights",
            "missing methods         | {\"dataset\": {\"root\": \"r\", \"percent\": 10}, \"weights\": \"w\"}           | methods",
            "unknown method          | {\"dataset\": {\"root\": \"r\", \"percent\": 10}, \"weights\": \"w\", \"methods\": [\"coop\", \"copo\"]} | methods[1]",
            "empty methods           | {\"dataset\": {\"root\": \"r\", \"percent\": 10}, \"weights\": \"w\", \"methods\": []} | methods",
            "percent and shots       | {\"dataset\": {\"root\": \"r\", \"percent\": 10, \"shots\": 3}, \"weights\": \"w\", \"methods\": [\"coop\"]} | dataset",
            "percent out of range    | {\"dataset\": {\"root\": \"r\", \"percent\": 150}, \"weights\": \"w\", \"methods\": [\"coop\"]} | dataset.percent",
            "unknown dataset kind    | {\"dataset\": {\"kind\": \"imagenet\", \"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"coop\"]} | dataset.kind",
            "official on folder      | {\"dataset\": {\"root\": \"r\", \"percent\": 1, \"official\": true}, \"weights\": \"w\", \"methods\": [\"coop\"]} | dataset.official",
            "epochs zero             | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"coop\"], \"recipe\": {\"epochs\": 0}} | recipe.epochs",
            "epochs a string         | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"coop\"], \"recipe\": {\"epochs\": \"five\"}} | recipe.epochs",
            "negative lr             | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"coop\"], \"recipe\": {\"learningRate\": -1}} | recipe.learningRate",
            "momentum 1              | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"coop\"], \"recipe\": {\"momentum\": 1}} | recipe.momentum",
            "warm-up too long        | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"coop\"], \"recipe\": {\"epochs\": 2, \"warmupEpochs\": 2}} | recipe.warmupEpochs",
            "misspelt recipe field   | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"coop\"], \"recipe\": {\"epoch\": 2}} | recipe.epoch",
            "unknown top-level field | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"coop\"], \"seed\": 1} | seed",
            "seed repeated           | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"coop\"], \"seeds\": [1, 1]} | seeds[1]",
            "empty task list         | {\"dataset\": {\"root\": \"r\", \"percent\": 1, \"tasks\": []}, \"weights\": \"w\", \"methods\": [\"coop\"]} | dataset.tasks",
            "negative seed           | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"coop\"], \"seeds\": [-1]} | seeds[0]",
            "bad id                  | {\"id\": \"../etc\", \"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"coop\"]} | id",
            "objective k without k   | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"mmap\"], \"grouping\": {\"objective\": \"k\"}} | grouping.k",
            "unknown similarity      | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"mmap\"], \"grouping\": {\"similarity\": \"l2\"}} | grouping.similarity",
            "precision fp16          | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"coop\"], \"recipe\": {\"precision\": \"fp16\"}} | recipe.precision",
            "batchPer per image      | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"coop\"], \"recipe\": {\"batchPer\": \"image\"}} | recipe.batchPer",
            "grouping precision fp16 | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"mmap\"], \"grouping\": {\"precision\": \"fp16\"}} | grouping.precision",
            "phase1 per run          | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"mmap\"], \"grouping\": {\"phase1\": \"per-run\"}} | grouping.phase1",
            "mixed with grouping     | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"mmap\"], \"recipe\": {\"sampling\": \"mixed\"}} | recipe.sampling",
            "device tpu              | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"coop\"], \"device\": \"tpu\"} | device",
            "random of a baseline    | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"coop-random\"]} | methods[0]",
            "imported a list         | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"coop\"], \"imported\": [\"a.safetensors\"]} | imported",
            "imported as a method    | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"coop\"], \"imported\": {\"maple-mt\": \"a.safetensors\"}} | imported.maple-mt",
            "imported bad row name   | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"coop\"], \"imported\": {\"Their Maple\": \"a.safetensors\"}} | imported.Their Maple",
            "imported no file        | {\"dataset\": {\"root\": \"r\", \"percent\": 1}, \"weights\": \"w\", \"methods\": [\"coop\"], \"imported\": {\"theirs\": 3}} | imported.theirs",
    })
    void malformedSpecsNameTheField(String what, String json, String field) {
        assertThat(fields(json)).as(what).contains(field);
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        List<String> f = fields("""
                {"dataset": {"kind": "x", "percent": 0}, "methods": ["nope"], "recipe": {"epochs": -1, "batchSize": 0},
                 "extra": true}
                """);
        assertThat(f).contains("dataset.kind", "dataset.root", "dataset.percent", "weights", "methods[0]",
                "recipe.epochs", "recipe.batchSize", "extra");
    }

    @Test
    void variantsOfTheFrameworkAreMethods() {
        assertThat(Variant.parse("mmap-random").kind()).isEqualTo(Variant.Kind.RANDOM);
        assertThat(Variant.parse("mmap-group-only").needsPartition()).isTrue();
        assertThat(Variant.parse("mmap-all-in-one").needsPartition()).isFalse();
        assertThat(Variant.parse("mmap-st").needsPartition()).isFalse();
        assertThat(Variant.parse("zero-shot").trains()).isFalse();
        assertThatThrownBy(() -> Variant.parse("vpt-random")).hasMessageContaining("grouped MmAP family");
    }
}
