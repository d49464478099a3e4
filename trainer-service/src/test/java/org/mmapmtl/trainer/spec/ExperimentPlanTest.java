package org.mmapmtl.trainer.spec;

import org.mmapmtl.experiment.ExperimentSpec;
import org.mmapmtl.experiment.RunSpec;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExperimentPlanTest {
    static final List<String> TASKS = List.of("clipart", "painting", "sketch", "real");

    static ExperimentSpec spec(String methods) {
        String json = "{\"id\": \"e1\", \"dataset\": {\"root\": \"data\", \"percent\": 50, \"tasks\": [\"clipart\", \"painting\", "
                + "\"sketch\", \"real\"]}, \"weights\": \"w.safetensors\", \"methods\": " + methods
                + ", \"seeds\": [1, 2], \"recipe\": {\"epochs\": 3}, \"grouping\": {\"snapshots\": 2}}";
        return ExperimentPlan.withSnapshotsSpread(SpecReader.read(json.getBytes(StandardCharsets.UTF_8), false), 10);
    }

    @Test
    void phaseOneAndTheMethodsWithoutPartitionStartAtOnce() {
        List<RunSpec> runs = ExperimentPlan.initialRuns(spec("[\"mmap\", \"coop-mt\", \"mmap-all-in-one\", \"zero-shot\"]"));
        assertThat(runs).extracting(RunSpec::runId).containsExactly("e1.phase1", "e1.coop-mt.s1", "e1.coop-mt.s2",
                "e1.mmap-all-in-one.s1", "e1.mmap-all-in-one.s2", "e1.zero-shot.s1", "e1.zero-shot.s2");
        RunSpec phase1 = runs.get(0);
        assertThat(phase1.method()).isEqualTo("mmap-mt");
        assertThat(phase1.stage()).isEqualTo(RunSpec.PHASE_1);
        assertThat(phase1.recipe().epochs()).isEqualTo(1);
        assertThat(phase1.recipe().warmupEpochs()).isZero();
        assertThat(phase1.snapshots()).isEqualTo(2);
        assertThat(phase1.snapshotEvery()).isEqualTo(5);
        RunSpec allInOne = runs.get(3);
        assertThat(allInOne.method()).isEqualTo("mmap");
        assertThat(allInOne.groups()).containsExactly(TASKS);
        assertThat(runs.get(1).snapshots()).isZero();
    }

    @Test
    void phaseOneRunsInTheGroupingsPrecisionOrElseTheRecipes() {
        // a GPU spec, so that bf16 is accepted whatever this machine's CPU can do
        String json = "{\"id\": \"e1\", \"dataset\": {\"root\": \"data\", \"percent\": 50, \"tasks\": [\"clipart\", "
                + "\"painting\"]}, \"weights\": \"w.safetensors\", \"methods\": [\"mmap\", \"coop-mt\"], \"seeds\": [1], "
                + "\"device\": \"gpu\", \"recipe\": {\"epochs\": 3, \"precision\": \"bf16\"}, \"grouping\": {GROUPING}}";
        ExperimentSpec fp32Phase1 = SpecReader.read(json.replace("GROUPING", "\"precision\": \"fp32\"")
                .getBytes(StandardCharsets.UTF_8), false);
        List<RunSpec> runs = ExperimentPlan.initialRuns(fp32Phase1);
        assertThat(runs.get(0).stage()).isEqualTo(RunSpec.PHASE_1);
        assertThat(runs.get(0).recipe().precision()).isEqualTo("fp32");
        assertThat(runs.get(0).recipe().epochs()).isEqualTo(1);
        assertThat(runs.get(1).variant()).isEqualTo("coop-mt");
        assertThat(runs.get(1).recipe().precision()).isEqualTo("bf16");
        assertThat(ExperimentPlan.partitionedRuns(fp32Phase1, List.of(List.of("clipart"), List.of("painting"))))
                .extracting(r -> r.recipe().precision()).containsOnly("bf16");
        // left out, phase 1 takes the recipe's
        ExperimentSpec recipes = SpecReader.read(json.replace("GROUPING", "").getBytes(StandardCharsets.UTF_8), false);
        assertThat(ExperimentPlan.initialRuns(recipes).get(0).recipe().precision()).isEqualTo("bf16");
        // and the stored spec keeps the choice
        assertThat(SpecReader.read(SpecReader.toJson(fp32Phase1).getBytes(StandardCharsets.UTF_8), false).grouping()
                .precision()).isEqualTo("fp32");
    }

    @Test
    void singleTaskFullFineTuningIsOneRunPerTaskAndSeedUnderOneName() {
        List<RunSpec> runs = ExperimentPlan.initialRuns(spec("[\"full-ft-st\", \"full-ft\"]"));
        List<RunSpec> single = runs.stream().filter(r -> r.variant().equals("full-ft-st")).toList();
        assertThat(single).hasSize(2 * TASKS.size()).allSatisfy(r -> {
            assertThat(r.method()).isEqualTo("full-ft");
            assertThat(r.stage()).isEqualTo(RunSpec.SINGLE);
            assertThat(r.tasks()).hasSize(1);
            assertThat(r.groups()).containsExactly(r.tasks());
        });
        assertThat(single).filteredOn(r -> r.seed() == 1).extracting(r -> r.tasks().get(0)).containsExactlyElementsOf(TASKS);
        assertThat(single).extracting(RunSpec::runId).contains("e1.full-ft-st.s1.g0", "e1.full-ft-st.s2.g3");
        // the multi-task one: per seed, one run over every task
        assertThat(runs).filteredOn(r -> r.variant().equals("full-ft")).hasSize(2)
                .allSatisfy(r -> assertThat(r.tasks()).isEqualTo(TASKS));
        // only the methods that change CLIP itself have it: a prompt method's single-task form is its own name
        assertThat(org.mmapmtl.experiment.Variant.parse("bitfit-st").kind()).isEqualTo(org.mmapmtl.experiment.Variant.Kind.EACH_TASK);
        assertThat(org.mmapmtl.experiment.Variant.parse("mmap-st").kind()).isEqualTo(org.mmapmtl.experiment.Variant.Kind.PLAIN);
        assertThatThrownBy(() -> org.mmapmtl.experiment.Variant.parse("coop-st")).isInstanceOf(IllegalArgumentException.class);
        assertThat(org.mmapmtl.experiment.Variant.names()).contains("full-ft-st", "bitfit-st");
    }

    @Test
    void perSeedGroupingRunsAPhaseOneAndAwaitsAPartitionPerSeed() {
        ExperimentSpec spec = ExperimentPlan.withSnapshotsSpread(SpecReader.read(("{\"id\": \"e1\", \"dataset\": {\"root\": "
                + "\"data\", \"percent\": 50, \"tasks\": [\"clipart\", \"painting\", \"sketch\", \"real\"]}, \"weights\": "
                + "\"w.safetensors\", \"methods\": [\"mmap\"], \"seeds\": [1, 2], \"recipe\": {\"epochs\": 3}, "
                + "\"grouping\": {\"snapshots\": 2, \"phase1\": \"per-seed\"}}").getBytes(StandardCharsets.UTF_8), false), 10);
        List<RunSpec> phase1 = ExperimentPlan.initialRuns(spec);
        assertThat(phase1).extracting(RunSpec::runId).containsExactly("e1.phase1.s1", "e1.phase1.s2");
        assertThat(phase1).extracting(RunSpec::seed).containsExactly(1L, 2L);
        assertThat(phase1).allSatisfy(r -> assertThat(r.stage()).isEqualTo(RunSpec.PHASE_1));
        assertThat(ExperimentPlan.groupingKey(spec, 2)).isEqualTo("e1.s2");
        assertThat(ExperimentPlan.seedOfGroupingKey("e1", "e1.s2")).isEqualTo(2L);
        assertThat(ExperimentPlan.seedOfGroupingKey("e1", "e1.sx")).isNull();
        assertThat(ExperimentPlan.seedOfGroupingKey("e1", "e10.s2")).isNull();
        List<RunSpec> seed2 = ExperimentPlan.partitionedRuns(spec, List.of(List.of("clipart", "sketch"),
                List.of("painting", "real")), List.of(2L));
        assertThat(seed2).extracting(RunSpec::runId).containsExactly("e1.mmap.s2.g0", "e1.mmap.s2.g1");
        // both phases' runs say which phase 1 decided the groups (the checkpoints carry it to the results' caption)
        assertThat(phase1).extracting(RunSpec::phase1).containsOnly("per-seed");
        assertThat(seed2).extracting(RunSpec::phase1).containsOnly("per-seed");
        assertThat(ExperimentPlan.partitionedRuns(spec("[\"mmap\"]"), List.of(TASKS))).extracting(RunSpec::phase1)
                .containsOnly("first-seed");
        assertThat(ExperimentPlan.initialRuns(spec("[\"coop-mt\"]"))).extracting(RunSpec::phase1).containsOnly((String) null);
        // the default: one phase 1 with the first seed, one key for every seed
        assertThat(ExperimentPlan.groupingKey(spec("[\"mmap\"]"), 2)).isEqualTo("e1");
        assertThat(ExperimentPlan.initialRuns(spec("[\"mmap\"]"))).extracting(RunSpec::runId).containsExactly("e1.phase1");
    }

    @Test
    void importedPromptsAreARunPerSeedThatTrainsNothing() {
        String json = "{\"id\": \"e1\", \"dataset\": {\"root\": \"data\", \"percent\": 50, \"tasks\": [\"clipart\", "
                + "\"painting\", \"sketch\", \"real\"]}, \"weights\": \"w.safetensors\", \"methods\": [\"zero-shot\"], "
                + "\"seeds\": [1, 2], \"imported\": {\"maple-theirs\": \"imports/maple.safetensors\"}}";
        ExperimentSpec spec = SpecReader.read(json.getBytes(StandardCharsets.UTF_8), false);
        assertThat(spec.imported()).containsEntry("maple-theirs", "imports/maple.safetensors");
        ExperimentPlan.ImportedPrompt read = new ExperimentPlan.ImportedPrompt("maple-theirs", "/abs/maple.safetensors",
                "maple-mt", new org.mmapmtl.experiment.PromptSettings(2, 9, 0, 0));
        List<RunSpec> runs = ExperimentPlan.initialRuns(spec, List.of(read));
        assertThat(runs).extracting(RunSpec::runId).containsExactly("e1.zero-shot.s1", "e1.zero-shot.s2",
                "e1.maple-theirs.s1", "e1.maple-theirs.s2");
        assertThat(runs.subList(2, 4)).allSatisfy(r -> {
            assertThat(r.stage()).isEqualTo(RunSpec.IMPORTED);
            assertThat(r.variant()).isEqualTo("maple-theirs");
            assertThat(r.method()).isEqualTo("maple-mt");
            assertThat(r.prompt().depth()).isEqualTo(9);
            assertThat(r.imported()).isEqualTo("/abs/maple.safetensors");
            assertThat(r.tasks()).isEqualTo(TASKS);
            assertThat(r.trains()).isFalse();
        });
        assertThatThrownBy(() -> ExperimentPlan.initialRuns(spec)).hasMessageContaining("imported file(s) read");
    }

    @Test
    void withoutAGroupingMethodThereIsNoPhaseOne() {
        assertThat(ExperimentPlan.initialRuns(spec("[\"coop-mt\"]"))).extracting(RunSpec::stage).containsOnly(RunSpec.SINGLE);
    }

    @Test
    void thePartitionGivesOneRunPerGroupAndSeed() {
        List<List<String>> partition = List.of(List.of("clipart", "sketch", "real"), List.of("painting"));
        List<RunSpec> runs = ExperimentPlan.partitionedRuns(spec("[\"mmap\", \"mmap-group-only\", \"mmap-random\", \"coop\"]"), partition);
        assertThat(runs).extracting(RunSpec::runId).containsExactly(
                "e1.mmap.s1.g0", "e1.mmap.s1.g1", "e1.mmap.s2.g0", "e1.mmap.s2.g1",
                "e1.mmap-group-only.s1.g0", "e1.mmap-group-only.s1.g1", "e1.mmap-group-only.s2.g0", "e1.mmap-group-only.s2.g1",
                "e1.mmap-random.s1.g0", "e1.mmap-random.s1.g1", "e1.mmap-random.s2.g0", "e1.mmap-random.s2.g1");
        RunSpec group = runs.get(0);
        assertThat(group.method()).isEqualTo("mmap");
        assertThat(group.tasks()).isEqualTo(partition.get(0));
        assertThat(group.groups()).containsExactly(partition.get(0));
        assertThat(runs.get(4).method()).isEqualTo("mmap-mt");
        assertThat(runs.subList(8, 10)).extracting(r -> r.tasks().size()).containsExactlyInAnyOrder(3, 1);
    }

    @Test
    void randomGroupingKeepsTheSizesAndFollowsTheSeed() {
        List<List<String>> decided = List.of(List.of("clipart", "painting"), List.of("sketch", "real"));
        for (long seed = 0; seed < 20; seed++) {
            List<List<String>> random = ExperimentPlan.randomPartition(TASKS, decided, seed);
            assertThat(random).extracting(List::size).containsExactly(2, 2);
            assertThat(random.stream().flatMap(List::stream).sorted().toList())
                    .isEqualTo(TASKS.stream().sorted(Comparator.naturalOrder()).toList());
            assertThat(ExperimentPlan.randomPartition(TASKS, decided, seed)).isEqualTo(random);
        }
        // the paper's seeds 1, 2, 3 must not all draw the same groups (java.util.Random seeded 1..6 directly did)
        List<List<String>> sizesThreeOne = List.of(List.of("clipart", "painting", "sketch"), List.of("real"));
        assertThat(java.util.stream.LongStream.rangeClosed(1, 3)
                .mapToObj(s -> ExperimentPlan.randomPartition(TASKS, sizesThreeOne, s).get(1)).distinct().count())
                .isGreaterThan(1);
        // every other singleton is drawn, and never the decided one: the ablation must train other groups
        assertThat(java.util.stream.LongStream.range(0, 40).mapToObj(s -> ExperimentPlan.randomPartition(TASKS, sizesThreeOne, s).get(1))
                .distinct().toList()).hasSize(3).doesNotContain(List.of("real"));
        for (long seed = 0; seed < 20; seed++) {
            assertThat(ExperimentPlan.randomPartition(TASKS, decided, seed).stream().map(java.util.Set::copyOf).toList())
                    .doesNotContain(java.util.Set.of("clipart", "painting"));
        }
        // one group of every task has no other partition: the draw stands
        assertThat(ExperimentPlan.randomPartition(TASKS, List.of(TASKS), 1)).hasSize(1);
    }

    @Test
    void snapshotsThatDoNotFitInPhaseOneAreRefused() {
        ExperimentSpec s = SpecReader.read(("{\"id\": \"e1\", \"dataset\": {\"root\": \"d\", \"percent\": 5, \"tasks\": [\"a\", \"b\"]}, "
                + "\"weights\": \"w\", \"methods\": [\"mmap\"], \"grouping\": {\"snapshots\": 4, \"snapshotEvery\": 3}}")
                .getBytes(StandardCharsets.UTF_8), false);
        assertThatThrownBy(() -> ExperimentPlan.withSnapshotsSpread(s, 10))
                .isInstanceOfSatisfying(InvalidSpecException.class, e ->
                        assertThat(e.errors()).extracting(SpecError::field).containsExactly("grouping.snapshots"));
        assertThat(ExperimentPlan.withSnapshotsSpread(s, 12).grouping().snapshotEvery()).isEqualTo(3);
    }
}
