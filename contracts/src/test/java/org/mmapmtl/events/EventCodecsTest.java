package org.mmapmtl.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.mmapmtl.safetensors.Safetensors;
import org.mmapmtl.safetensors.SafetensorsContent;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventCodecsTest {

    static final List<String> TASKS = List.of("Art", "Clipart", "Product", "Real_World");

    static GradientSnapshot gradient() {
        return new GradientSnapshot("exp-1", "Clipart", TASKS, 2, 5, 120, new float[] {0.5f, -1.25f, 3e-8f});
    }

    static TaskPartition partition() {
        double[][] affinity = {{1, .2, .1, .3}, {.2, 1, .05, .1}, {.1, .05, 1, .4}, {.3, .1, .4, 1}};
        return new TaskPartition("exp-1", TASKS, affinity, List.of(List.of("Art", "Clipart"), List.of("Product", "Real_World")),
                "threshold(tau=0.19)", 0.22, "exact", 5, Instant.parse("2026-11-23T10:15:30.123Z"));
    }

    static Checkpoint checkpoint() {
        return new Checkpoint("exp-1", "exp-1.mmap.s1", "mmap", 1, TASKS, List.of(TASKS), 4, true,
                "file:///artifacts/exp-1/mmap-s1-e4.safetensors", "ab".repeat(32), 131_072);
    }

    static Evaluation evaluation() {
        return Evaluation.of("exp-1", "exp-1.mmap.s1", "file:///artifacts/exp-1/mmap-s1-e4.safetensors",
                Map.of("Art", Evaluation.TaskScore.of(80, 100), "Clipart", Evaluation.TaskScore.of(3, 4)));
    }

    @Test
    void noValueAnEmptyValueAndBytesAfterTheEventAreRefusedByEveryCodec() {
        List<Map.Entry<EventCodec<?>, byte[]>> valid = List.of(Map.entry(EventCodecs.GRADIENT, EventCodecs.GRADIENT.encode(gradient())),
                Map.entry(EventCodecs.PARTITION, EventCodecs.PARTITION.encode(partition())),
                Map.entry(EventCodecs.CHECKPOINT, EventCodecs.CHECKPOINT.encode(checkpoint())),
                Map.entry(EventCodecs.EVALUATION, EventCodecs.EVALUATION.encode(evaluation())));
        for (var e : valid) {
            EventCodec<?> codec = e.getKey();
            assertThatThrownBy(() -> codec.decode(null)).isInstanceOf(EventFormatException.class).hasMessageContaining("tombstone");
            assertThatThrownBy(() -> codec.decode(new byte[0])).isInstanceOf(EventFormatException.class).hasMessageContaining("empty");
            byte[] twice = new byte[e.getValue().length * 2];
            System.arraycopy(e.getValue(), 0, twice, 0, e.getValue().length);
            System.arraycopy(e.getValue(), 0, twice, e.getValue().length, e.getValue().length);
            assertThatThrownBy(() -> codec.decode(twice)).as("two records run together").isInstanceOf(EventFormatException.class);
        }
    }

    @Test
    void aStepReportCarriesItsGradientNormAndAnOlderReportReadsWithout() {
        Progress step = new Progress("exp-1", "exp-1.mmap.s1", "mmap", "phase-2", "running", 3, 72, 1, 8, 5.2, 5.6,
                Map.of("Art", 2.6, "Clipart", 2.6), 7.17, 0.005, 114.2, true, 0.25, 49.7, 45_000L, null,
                Instant.parse("2026-12-05T23:10:00Z"));
        String json = new String(EventCodecs.PROGRESS.encode(step), StandardCharsets.UTF_8);
        assertThat(json).contains("\"schema\":\"mmap.progress/1.1\"").contains("\"gradNorm\":114.2")
                .contains("\"gradClipped\":true").contains("\"epochClippedShare\":0.25");
        assertThat(EventCodecs.PROGRESS.decode(EventCodecs.PROGRESS.encode(step))).isEqualTo(step);
        // a recipe without clipping leaves gradClipped out
        Progress unclipped = new Progress("exp-1", "exp-1.mmap.s1", "mmap", "phase-2", "running", 3, 72, 1, 8, 5.2, 5.6,
                null, 7.17, 0.005, 3.5, null, null, 49.7, 45_000L, null, Instant.parse("2026-12-05T23:10:00Z"));
        assertThat(new String(EventCodecs.PROGRESS.encode(unclipped), StandardCharsets.UTF_8)).doesNotContain("gradClipped")
                .doesNotContain("epochClippedShare");
        assertThat(EventCodecs.PROGRESS.decode(EventCodecs.PROGRESS.encode(unclipped))).isEqualTo(unclipped);
        // what a trainer before 1.1 wrote
        Progress older = EventCodecs.PROGRESS.decode(("{\"schema\":\"mmap.progress/1\",\"experimentId\":\"exp-1\","
                + "\"runId\":\"exp-1.mmap.s1\",\"variant\":\"mmap\",\"phase\":\"phase-2\",\"state\":\"running\","
                + "\"step\":3,\"totalSteps\":72,\"epoch\":1,\"epochs\":8,\"loss\":5.2,\"at\":\"2026-12-05T23:10:00Z\"}")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(older.loss()).isEqualTo(5.2);
        assertThat(older.gradNorm()).isNull();
        assertThat(older.gradClipped()).isNull();
        assertThat(older.epochClippedShare()).isNull();
    }

    @Test
    void everyContractRoundTrips() {
        assertThat(EventCodecs.GRADIENT.decode(EventCodecs.GRADIENT.encode(gradient()))).isEqualTo(gradient());
        assertThat(EventCodecs.PARTITION.decode(EventCodecs.PARTITION.encode(partition()))).isEqualTo(partition());
        assertThat(EventCodecs.CHECKPOINT.decode(EventCodecs.CHECKPOINT.encode(checkpoint()))).isEqualTo(checkpoint());
        assertThat(EventCodecs.EVALUATION.decode(EventCodecs.EVALUATION.encode(evaluation()))).isEqualTo(evaluation());
    }

    @Test
    void gradientPayloadIsPlainSafetensorsWithTheDocumentedMetadata() {
        SafetensorsContent content = Safetensors.read(EventCodecs.GRADIENT.encode(gradient()), "record");
        assertThat(content.metadata()).containsEntry("schema", "mmap.gradient/1.1").containsEntry("experiment", "exp-1")
                .containsEntry("task", "Clipart").containsEntry("tasks", "Art,Clipart,Product,Real_World")
                .containsEntry("snapshot", "2").containsEntry("snapshots", "5").containsEntry("step", "120");
        assertThat(content.tensor("grad", 3).toFloats()).containsExactly(0.5f, -1.25f, 3e-8f);
    }

    @Test
    void jsonEventsCarryTheirSchemaAndTheDocumentedFieldNames() throws Exception {
        ObjectNode json = (ObjectNode) EventCodecs.json().readTree(EventCodecs.CHECKPOINT.encode(checkpoint()));
        assertThat(json.get("schema").asText()).isEqualTo("mmap.checkpoint/1.6");
        assertThat(json.get("final").asBoolean()).isTrue();
        assertThat(json.has("finalEpoch")).isFalse();
        ObjectNode p = (ObjectNode) EventCodecs.json().readTree(EventCodecs.PARTITION.encode(partition()));
        assertThat(p.get("decidedAt").asText()).isEqualTo("2026-11-23T10:15:30.123Z");
    }

    @Test
    void aCheckpointsRunSpecReadsWithAndWithoutCoopsStartingWords() {
        for (String words : java.util.Arrays.asList(null, "a photo of a")) {
            org.mmapmtl.experiment.RunSpec run = new org.mmapmtl.experiment.RunSpec("exp-1", "exp-1.coop-mt.s1", "coop-mt",
                    org.mmapmtl.experiment.RunSpec.SINGLE, "coop-mt", 1, TASKS, List.of(TASKS),
                    new org.mmapmtl.experiment.DatasetSpec("folder", "data/gen", 25.0, null, null, false, TASKS),
                    "generated:tiny-v3", null, null, org.mmapmtl.experiment.Recipe.paper(),
                    new org.mmapmtl.experiment.PromptSettings(0, 0, 0, 0, words), 0, 0, "cpu");
            Checkpoint c = new Checkpoint("exp-1", run.runId(), "coop-mt", 1, TASKS, List.of(TASKS), 1, true,
                    "file:///artifacts/e.safetensors", "ab".repeat(32), 2048, run);
            byte[] bytes = EventCodecs.CHECKPOINT.encode(c);
            // a record of 1.1, written before CoOp could start from words, has no such field and still reads
            assertThat(new String(bytes, java.nio.charset.StandardCharsets.UTF_8).contains("contextInit"))
                    .isEqualTo(words != null);
            assertThat(EventCodecs.CHECKPOINT.decode(bytes).runSpec().prompt().contextInit()).isEqualTo(words);
            assertThat(EventCodecs.CHECKPOINT.decode(bytes)).isEqualTo(c);
        }
    }

    /**
     * A 1.2 producer wrote no recipe.batchPer, no recipe.precision and no prompt.sourcePerLayer: its records read with
     * their defaults.
     */
    @Test
    void aCheckpointOfTheLastMinorVersionReadsWithTheNewFieldsDefaults() throws Exception {
        org.mmapmtl.experiment.RunSpec spec = new org.mmapmtl.experiment.RunSpec("exp-1", "exp-1.mmap-mt.s1", "mmap-mt",
                org.mmapmtl.experiment.RunSpec.SINGLE, "mmap-mt", 1, TASKS, List.of(TASKS),
                new org.mmapmtl.experiment.DatasetSpec("folder", "data/gen", 25.0, null, null, false, TASKS),
                "generated:tiny-v3", null, null, org.mmapmtl.experiment.Recipe.paper(),
                new org.mmapmtl.experiment.PromptSettings(0, 0, 0, 0), 0, 0, "cpu");
        Checkpoint now = new Checkpoint("exp-1", spec.runId(), "mmap-mt", 1, TASKS, List.of(TASKS), 1, true,
                "file:///artifacts/e.safetensors", "ab".repeat(32), 2048, spec);
        assertThat(EventCodecs.CHECKPOINT.decode(EventCodecs.CHECKPOINT.encode(now))).isEqualTo(now);
        ObjectNode json = (ObjectNode) EventCodecs.json().readTree(EventCodecs.CHECKPOINT.encode(now));
        ObjectNode run = (ObjectNode) json.get("runSpec");
        ((ObjectNode) run.get("recipe")).remove("batchPer");
        ((ObjectNode) run.get("recipe")).remove("precision");
        ((ObjectNode) run.get("prompt")).remove("sourcePerLayer");
        json.put("schema", "mmap.checkpoint/1.2");
        Checkpoint old = EventCodecs.CHECKPOINT.decode(EventCodecs.json().writeValueAsBytes(json));
        assertThat(old.runSpec().recipe().batchPer()).isEqualTo("task");
        assertThat(old.runSpec().recipe().precision()).isEqualTo("fp32");
        assertThat(old.runSpec().prompt().sourcePerLayerOrDefault()).isTrue();
        assertThat(old).isEqualTo(now);
    }

    /** 1.5 added the recipe's precision: a bf16 run says so in its checkpoint record. */
    @Test
    void aRunsPrecisionTravelsWithItsRecipe() {
        org.mmapmtl.experiment.RunSpec spec = new org.mmapmtl.experiment.RunSpec("exp-1", "exp-1.mmap-mt.s1", "mmap-mt",
                org.mmapmtl.experiment.RunSpec.SINGLE, "mmap-mt", 1, TASKS, List.of(TASKS),
                new org.mmapmtl.experiment.DatasetSpec("folder", "data/gen", 25.0, null, null, false, TASKS),
                "generated:tiny-v3", null, null, org.mmapmtl.experiment.Recipe.paper().withPrecision("bf16"),
                new org.mmapmtl.experiment.PromptSettings(0, 0, 0, 0), 0, 0, "cpu");
        Checkpoint c = new Checkpoint("exp-1", spec.runId(), "mmap-mt", 1, TASKS, List.of(TASKS), 1, true,
                "file:///artifacts/e.safetensors", "ab".repeat(32), 2048, spec);
        assertThat(EventCodecs.CHECKPOINT.decode(EventCodecs.CHECKPOINT.encode(c)).runSpec().recipe().precision())
                .isEqualTo("bf16");
        assertThatThrownBy(() -> org.mmapmtl.experiment.Recipe.paper().withPrecision("fp16"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fp32 or bf16");
    }

    /** 1.6 added the recipe's gradient clipping: a clipped run says so; an unclipped one leaves the field out. */
    @Test
    void aRunsGradientClippingTravelsWithItsRecipeAndIsLeftOutWhenOff() throws Exception {
        org.mmapmtl.experiment.RunSpec spec = new org.mmapmtl.experiment.RunSpec("exp-1", "exp-1.mmap-mt.s1", "mmap-mt",
                org.mmapmtl.experiment.RunSpec.SINGLE, "mmap-mt", 1, TASKS, List.of(TASKS),
                new org.mmapmtl.experiment.DatasetSpec("folder", "data/gen", 25.0, null, null, false, TASKS),
                "generated:tiny-v4", null, null, org.mmapmtl.experiment.Recipe.paper().withMaxGradNorm(10.0),
                new org.mmapmtl.experiment.PromptSettings(0, 0, 0, 0), 0, 0, "cpu");
        Checkpoint c = new Checkpoint("exp-1", spec.runId(), "mmap-mt", 1, TASKS, List.of(TASKS), 1, true,
                "file:///artifacts/e.safetensors", "ab".repeat(32), 2048, spec);
        assertThat(EventCodecs.CHECKPOINT.decode(EventCodecs.CHECKPOINT.encode(c))).isEqualTo(c);
        org.mmapmtl.experiment.RunSpec plain = new org.mmapmtl.experiment.RunSpec("exp-1", "exp-1.mmap-mt.s1", "mmap-mt",
                org.mmapmtl.experiment.RunSpec.SINGLE, "mmap-mt", 1, TASKS, List.of(TASKS), spec.dataset(),
                "generated:tiny-v4", null, null, org.mmapmtl.experiment.Recipe.paper(),
                new org.mmapmtl.experiment.PromptSettings(0, 0, 0, 0), 0, 0, "cpu");
        Checkpoint unclipped = new Checkpoint("exp-1", plain.runId(), "mmap-mt", 1, TASKS, List.of(TASKS), 1, true,
                "file:///artifacts/e.safetensors", "ab".repeat(32), 2048, plain);
        ObjectNode json = (ObjectNode) EventCodecs.json().readTree(EventCodecs.CHECKPOINT.encode(unclipped));
        assertThat(json.get("runSpec").get("recipe").has("maxGradNorm")).isFalse();
        assertThat(EventCodecs.CHECKPOINT.decode(EventCodecs.CHECKPOINT.encode(unclipped)).runSpec().recipe().maxGradNorm())
                .isNull();
    }

    /** 1.4 added which phase 1 decided a run's groups and where imported prompts came from; both absent elsewhere. */
    @Test
    void aRunsPhaseOneAndImportedFileTravelOnlyWhereTheyApply() throws Exception {
        org.mmapmtl.experiment.RunSpec base = new org.mmapmtl.experiment.RunSpec("exp-1", "exp-1.theirs.s1", "theirs",
                org.mmapmtl.experiment.RunSpec.IMPORTED, "maple-mt", 1, TASKS, List.of(TASKS),
                new org.mmapmtl.experiment.DatasetSpec("folder", "data/gen", 25.0, null, null, false, TASKS),
                "generated:tiny-v3", null, null, org.mmapmtl.experiment.Recipe.paper(),
                new org.mmapmtl.experiment.PromptSettings(2, 9, 0, 0), 0, 0, "cpu", null, "/data/imports/maple.safetensors");
        Checkpoint imported = new Checkpoint("exp-1", base.runId(), "maple-mt", 1, TASKS, List.of(TASKS), 0, true,
                "file:///artifacts/i.safetensors", "ab".repeat(32), 2048, base);
        ObjectNode json = (ObjectNode) EventCodecs.json().readTree(EventCodecs.CHECKPOINT.encode(imported));
        assertThat(json.get("runSpec").get("imported").asText()).isEqualTo("/data/imports/maple.safetensors");
        assertThat(json.get("runSpec").has("phase1")).isFalse();
        assertThat(EventCodecs.CHECKPOINT.decode(EventCodecs.CHECKPOINT.encode(imported))).isEqualTo(imported);
        assertThat(imported.runSpec().trains()).isFalse();
        org.mmapmtl.experiment.RunSpec grouped = new org.mmapmtl.experiment.RunSpec("exp-1", "exp-1.mmap.s1.g0", "mmap",
                org.mmapmtl.experiment.RunSpec.PHASE_2, "mmap", 1, TASKS, List.of(TASKS), base.dataset(), base.weights(),
                null, null, base.recipe(), base.prompt(), 0, 0, "cpu").withPhase1("per-seed");
        Checkpoint c = new Checkpoint("exp-1", grouped.runId(), "mmap", 1, TASKS, List.of(TASKS), 1, true,
                "file:///artifacts/g.safetensors", "ab".repeat(32), 2048, grouped);
        ObjectNode g = (ObjectNode) EventCodecs.json().readTree(EventCodecs.CHECKPOINT.encode(c));
        assertThat(g.get("runSpec").get("phase1").asText()).isEqualTo("per-seed");
        assertThat(g.get("runSpec").has("imported")).isFalse();
        assertThat(EventCodecs.CHECKPOINT.decode(EventCodecs.CHECKPOINT.encode(c))).isEqualTo(c);
    }

    @Test
    void groupingSettingsThatNoObjectiveTakesAreRefused() {
        assertThat(new GradientSnapshot.Grouping("mean-centred", null, null, "cosine").objective()).isEqualTo("mean-centred");
        assertThatThrownBy(() -> new GradientSnapshot.Grouping("mean-centred", null, 0.1, "cosine"))
                .isInstanceOf(EventFormatException.class).hasMessageContaining("computes tau");
        assertThatThrownBy(() -> new GradientSnapshot.Grouping("median", null, null, "cosine"))
                .isInstanceOf(EventFormatException.class).hasMessageContaining("mean-centred");
    }

    @Test
    void unknownMajorVersionIsRejectedWithAnUpgradeHint() throws Exception {
        ObjectNode json = (ObjectNode) EventCodecs.json().readTree(EventCodecs.PARTITION.encode(partition()));
        json.put("schema", "mmap.partition/2");
        byte[] bytes = EventCodecs.json().writeValueAsBytes(json);
        assertThatThrownBy(() -> EventCodecs.PARTITION.decode(bytes))
                .isInstanceOf(EventFormatException.class)
                .hasMessageContaining("mmap.partition/2").hasMessageContaining("upgrade the consumer");
    }

    @Test
    void newerMinorVersionWithExtraFieldsIsRead() throws Exception {
        ObjectNode json = (ObjectNode) EventCodecs.json().readTree(EventCodecs.EVALUATION.encode(evaluation()));
        json.put("schema", "mmap.evaluation/1.3");
        json.put("calibrationError", 0.04);
        assertThat(EventCodecs.EVALUATION.decode(EventCodecs.json().writeValueAsBytes(json))).isEqualTo(evaluation());
    }

    @Test
    void gradientOfAnotherMajorVersionIsRejected() {
        GradientSnapshot g = gradient();
        byte[] bytes = Safetensors.write(Map.of("grad", org.mmapmtl.safetensors.Tensor.vector(g.gradient())),
                Map.of("schema", "mmap.gradient/7", "experiment", "exp-1", "task", "Art", "tasks", "Art",
                        "snapshot", "0", "snapshots", "1", "step", "0"));
        assertThatThrownBy(() -> EventCodecs.GRADIENT.decode(bytes)).isInstanceOf(EventFormatException.class)
                .hasMessageContaining("mmap.gradient/7");
    }

    @Test
    void corruptBytesAreRejectedClearly() {
        byte[] garbage = "\u0000\u0001garbage that is neither JSON nor safetensors".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> EventCodecs.GRADIENT.decode(garbage)).isInstanceOf(EventFormatException.class)
                .hasMessageContaining("mmap.gradient/1");
        assertThatThrownBy(() -> EventCodecs.CHECKPOINT.decode(garbage)).isInstanceOf(EventFormatException.class)
                .hasMessageContaining("not JSON");
        byte[] truncated = java.util.Arrays.copyOf(EventCodecs.GRADIENT.encode(gradient()), 40);
        assertThatThrownBy(() -> EventCodecs.GRADIENT.decode(truncated)).isInstanceOf(EventFormatException.class);
    }

    @Test
    void wrongTopicPayloadIsRejected() {
        byte[] checkpoint = EventCodecs.CHECKPOINT.encode(checkpoint());
        assertThatThrownBy(() -> EventCodecs.EVALUATION.decode(checkpoint))
                .hasMessageContaining("mmap.checkpoint/1.6 is not mmap.evaluation/1");
    }

    @Test
    void invalidFieldsNameTheField() throws Exception {
        ObjectNode json = (ObjectNode) EventCodecs.json().readTree(EventCodecs.CHECKPOINT.encode(checkpoint()));
        json.put("sha256", "not-a-hash");
        byte[] badHash = EventCodecs.json().writeValueAsBytes(json);
        assertThatThrownBy(() -> EventCodecs.CHECKPOINT.decode(badHash)).hasMessageContaining("sha256");

        json = (ObjectNode) EventCodecs.json().readTree(EventCodecs.CHECKPOINT.encode(checkpoint()));
        json.remove("runId");
        byte[] missing = EventCodecs.json().writeValueAsBytes(json);
        assertThatThrownBy(() -> EventCodecs.CHECKPOINT.decode(missing)).hasMessageContaining("runId");

        assertThatThrownBy(() -> new TaskPartition("exp", TASKS, partition().affinity(), List.of(List.of("Art")),
                "k=1", 0, "exact", 1, Instant.now())).hasMessageContaining("leave out");
        assertThatThrownBy(() -> new GradientSnapshot("exp", "Art", TASKS, 0, 1, 0, new float[] {Float.NaN}))
                .hasMessageContaining("gradient[0]");
        assertThatThrownBy(() -> new GradientSnapshot("exp", "Sketch", TASKS, 0, 1, 0, new float[] {1}))
                .hasMessageContaining("Sketch");
    }

    @Test
    void schemaIdParsesMajorAndMinor() {
        assertThat(SchemaId.parse("mmap.partition/1.2")).isEqualTo(new SchemaId("mmap.partition", 1, 2));
        assertThatThrownBy(() -> SchemaId.parse("partition-v1")).isInstanceOf(EventFormatException.class);
    }
}
