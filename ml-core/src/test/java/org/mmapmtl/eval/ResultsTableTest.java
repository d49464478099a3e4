package org.mmapmtl.eval;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ResultsTableTest {
    static final List<String> TASKS = List.of("Art", "Clipart");

    @Test
    void meanAndSampleStdOverSeedsAsComputedByHand() {
        var runs = List.of(
                new ResultsTable.RunScore("coop-mt", 1, "e.coop-mt.s1", Map.of("Art", 0.70, "Clipart", 0.50), 8192),
                new ResultsTable.RunScore("coop-mt", 2, "e.coop-mt.s2", Map.of("Art", 0.74, "Clipart", 0.56), 8192),
                new ResultsTable.RunScore("coop-mt", 3, "e.coop-mt.s3", Map.of("Art", 0.72, "Clipart", 0.62), 8192));
        ResultsTable.Row row = ResultsTable.of(TASKS, List.of(), runs).rows().get(0);
        // Art: 0.70, 0.74, 0.72 -> mean 0.72, deviations -0.02, 0.02, 0 -> sample variance 0.0008/2 -> std 0.02
        assertThat(row.tasks().get("Art").mean()).isCloseTo(0.72, within(1e-12));
        assertThat(row.tasks().get("Art").std()).isCloseTo(0.02, within(1e-12));
        // Clipart: 0.50, 0.56, 0.62 -> mean 0.56, std 0.06
        assertThat(row.tasks().get("Clipart").mean()).isCloseTo(0.56, within(1e-12));
        assertThat(row.tasks().get("Clipart").std()).isCloseTo(0.06, within(1e-12));
        // per-seed means 0.60, 0.65, 0.67 -> mean 0.64, std sqrt(((-0.04)^2 + 0.01^2 + 0.03^2) / 2) = sqrt(0.0013)
        assertThat(row.mean().mean()).isCloseTo(0.64, within(1e-12));
        assertThat(row.mean().std()).isCloseTo(Math.sqrt(0.0013), within(1e-12));
        assertThat(row.seeds()).containsExactly(1L, 2L, 3L);
        assertThat(row.complete()).isTrue();
        assertThat(row.trainableParams()).isEqualTo(8192);
    }

    @Test
    void aGroupedMethodIsAssembledPerSeedFromItsGroupRuns() {
        var runs = List.of(
                new ResultsTable.RunScore("mmap", 1, "e.mmap.s1.g0", Map.of("Art", 0.8), 100),
                new ResultsTable.RunScore("mmap", 1, "e.mmap.s1.g1", Map.of("Clipart", 0.6), 150),
                new ResultsTable.RunScore("mmap", 2, "e.mmap.s2.g0", Map.of("Art", 0.9), 100));
        ResultsTable.Row row = ResultsTable.of(TASKS, List.of(), runs).rows().get(0);
        assertThat(row.seeds()).containsExactly(1L);        // seed 2 still misses Clipart
        assertThat(row.complete()).isFalse();
        assertThat(row.trainableParams()).isEqualTo(250);
        assertThat(row.mean().mean()).isCloseTo(0.7, within(1e-12));
        assertThat(row.tasks().get("Art").n()).isEqualTo(1);
    }

    @Test
    void rowsFollowTheExperimentsOrderAndRenderAsCsvAndMarkdown() {
        var runs = List.of(
                new ResultsTable.RunScore("zero-shot", 1, "z", Map.of("Art", 0.5, "Clipart", 0.25), 0),
                new ResultsTable.RunScore("mmap", 1, "m", Map.of("Art", 0.75, "Clipart", 0.5), 129_339));
        ResultsTable.Table t = ResultsTable.of(TASKS, List.of("mmap", "zero-shot"), runs);
        assertThat(t.rows()).extracting(ResultsTable.Row::method).containsExactly("mmap", "zero-shot");
        assertThat(t.toCsv()).startsWith("method,seeds,Art,Art_std,Clipart,Clipart_std,mean,mean_std,trainable_params,complete\n")
                .contains("mmap,1,75.00,0.00,50.00,0.00,62.50,0.00,129339,true\n");
        assertThat(t.toMarkdown()).contains("| mmap | 75.00 | 50.00 | **62.50** | 0.13M |");
    }

    @Test
    void aSeedStillTrainingOrAwaitingItsEvaluationMarksItsRowIncompleteInEveryFormat() {
        // seed 1 of mmap-all-in-one evaluated; seeds 2 and 3 trained or training, their last epoch not scored yet
        var runs = List.of(
                new ResultsTable.RunScore("mmap-all-in-one", 1, "e.mmap-all-in-one.s1", Map.of("Art", 0.3, "Clipart", 0.25), 50),
                new ResultsTable.RunScore("zero-shot", 1, "z1", Map.of("Art", 0.5, "Clipart", 0.25), 0));
        ResultsTable.Table t = ResultsTable.of(TASKS, List.of(), runs, List.of(
                new ResultsTable.Outstanding("mmap-all-in-one", 2), new ResultsTable.Outstanding("mmap-all-in-one", 3)));
        ResultsTable.Row partial = t.rows().get(0);
        assertThat(partial.method()).isEqualTo("mmap-all-in-one");
        assertThat(partial.complete()).as("1 of 3 seeds evaluated").isFalse();
        assertThat(partial.seeds()).containsExactly(1L);
        assertThat(t.rows().get(1).complete()).as("zero-shot, nothing outstanding").isTrue();
        assertThat(t.toMarkdown()).contains("| mmap-all-in-one (incomplete) | 30.00 | 25.00 | **27.50** | 50 |")
                .contains("Rows marked (incomplete) average only the seeds evaluated so far (mmap-all-in-one: 1 seed).")
                .contains("| zero-shot | 50.00 |");
        assertThat(t.toCsv()).contains("mmap-all-in-one,1,30.00,0.00,25.00,0.00,27.50,0.00,50,false\n")
                .contains("zero-shot,1,50.00,0.00,25.00,0.00,37.50,0.00,0,true\n");
        assertThat(ResultsTable.of(TASKS, List.of(), runs).toMarkdown()).as("nothing outstanding")
                .doesNotContain("incomplete");
        // with the tasks' class counts known: the chance level is stated and a row no better than it is flagged
        ResultsTable.Table withChance = new ResultsTable.Table(t.tasks(), t.rows(), Map.of("Art", 0.25, "Clipart", 0.25));
        assertThat(withChance.toMarkdown()).contains("Chance (a uniform guess): 25.00 %.")
                .contains("| mmap-all-in-one (incomplete) | 30.00 |")
                .doesNotContain("zero-shot (at or below chance)");
        ResultsTable.Table poor = new ResultsTable.Table(t.tasks(), t.rows(), Map.of("Art", 0.5, "Clipart", 0.25));
        assertThat(poor.toMarkdown()).contains("| mmap-all-in-one (incomplete) (at or below chance) |")
                .contains("| zero-shot (at or below chance) |").contains("Art 50.00 %, Clipart 25.00 %");
    }
}
