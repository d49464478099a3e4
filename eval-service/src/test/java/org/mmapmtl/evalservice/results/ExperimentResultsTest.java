package org.mmapmtl.evalservice.results;

import org.junit.jupiter.api.Test;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.experiment.DatasetSpec;
import org.mmapmtl.experiment.PromptSettings;
import org.mmapmtl.experiment.Recipe;
import org.mmapmtl.experiment.RunSpec;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The table's caption says what the rows cannot: which phase 1 decided the groups, and which rows were not trained here. */
class ExperimentResultsTest {
    static final List<String> TASKS = List.of("clipart", "sketch");
    static final DatasetSpec DATA = new DatasetSpec("folder", "data/shapes", 25.0, null, null, false, TASKS);

    static ReceivedCheckpoint received(RunSpec run) {
        return ReceivedCheckpoint.of(new Checkpoint(run.experimentId(), run.runId(), run.method(), run.seed(), run.tasks(),
                run.groups(), 1, true, "file:///a/" + run.runId() + ".safetensors", "ab".repeat(32), 10, run));
    }

    static RunSpec run(String variant, String stage, String method, Recipe recipe) {
        return new RunSpec("e", "e." + variant + ".s1", variant, stage, method, 1, TASKS, List.of(TASKS), DATA,
                "generated:tiny-v3", null, null, recipe, new PromptSettings(0, 0, 0, 0), 0, 0, "cpu");
    }

    @Test
    void theCaptionNamesThePhaseOneAndTheImportedRowsAndTheRecipeOfTheRunsThatTrained() {
        Recipe trained = Recipe.paper().withEpochs(3);
        RunSpec imported = new RunSpec("e", "e.theirs.s1", "theirs", RunSpec.IMPORTED, "maple-mt", 1, TASKS, List.of(TASKS),
                DATA, "generated:tiny-v3", null, null, Recipe.paper(), new PromptSettings(2, 2, 0, 0), 0, 0, "cpu", null,
                "/data/imports/maple-mt.safetensors");
        ExperimentResults results = ExperimentResults.of("e", List.of(received(imported),
                received(run("mmap", RunSpec.PHASE_2, "mmap", trained).withPhase1("per-seed"))));
        assertThat(results.recipe()).as("the imported run trained nowhere here").isEqualTo(trained);
        assertThat(results.table().toMarkdown())
                .contains("Trained with 3 epochs")
                .contains("Groups decided per seed: each seed's own phase 1 and partition (grouping.phase1: per-seed).")
                .contains("theirs: prompts trained elsewhere, imported from maple-mt.safetensors and scored without training.");

        ExperimentResults once = ExperimentResults.of("e", List.of(
                received(run("mmap", RunSpec.PHASE_2, "mmap", trained).withPhase1("first-seed"))));
        assertThat(once.notes()).containsExactly("Groups decided once, by a phase 1 with the first seed, and used by every "
                + "seed (grouping.phase1: first-seed).");
        assertThat(ExperimentResults.of("e", List.of(received(run("coop-mt", RunSpec.SINGLE, "coop-mt", trained)))).notes())
                .isEmpty();
    }

    @Test
    void theCaptionSaysWhenPhaseOneRanInAnotherPrecisionThanTheRuns() {
        Recipe bf16 = Recipe.paper().withPrecision(Recipe.BF16);
        RunSpec phase1 = run("phase1", RunSpec.PHASE_1, "mmap-mt", Recipe.paper().withEpochs(1));
        ExperimentResults mixed = ExperimentResults.of("e", List.of(received(phase1),
                received(run("mmap", RunSpec.PHASE_2, "mmap", bf16).withPhase1("first-seed"))));
        assertThat(mixed.recipe()).as("phase 1's recipe is not the table's").isEqualTo(bf16);
        assertThat(mixed.notes()).contains("Phase 1, which decided the groups, ran in fp32; the runs in the table "
                + "trained in bf16 (grouping.precision: fp32).");
        ExperimentResults same = ExperimentResults.of("e", List.of(received(run("phase1", RunSpec.PHASE_1, "mmap-mt",
                bf16.withEpochs(1))), received(run("mmap", RunSpec.PHASE_2, "mmap", bf16).withPhase1("first-seed"))));
        assertThat(same.notes()).noneMatch(n -> n.startsWith("Phase 1, which"));
    }
}
