package org.mmapmtl.grouping;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PartitionSearchTest {

    static AffinityMatrix randomAffinity(int n, Random random) {
        double[][] s = new double[n][n];
        for (int i = 0; i < n; i++) {
            s[i][i] = 1;
            for (int j = i + 1; j < n; j++) {
                s[i][j] = s[j][i] = random.nextDouble() * 2 - 1;
            }
        }
        List<String> tasks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            tasks.add("t" + i);
        }
        return new AffinityMatrix(tasks, s);
    }

    /** Every set partition of {0..n-1}, by restricted growth strings. */
    static void forEachPartition(int n, Consumer<List<List<Integer>>> action) {
        int[] label = new int[n];
        enumerate(label, 1, 1, action);
    }

    private static void enumerate(int[] label, int at, int used, Consumer<List<List<Integer>>> action) {
        if (at >= label.length) {
            List<List<Integer>> groups = new ArrayList<>();
            for (int g = 0; g < used; g++) {
                groups.add(new ArrayList<>());
            }
            for (int i = 0; i < label.length; i++) {
                groups.get(label[i]).add(i);
            }
            action.accept(groups);
            return;
        }
        for (int g = 0; g <= used; g++) {
            label[at] = g;
            enumerate(label, at + 1, Math.max(used, g + 1), action);
        }
    }

    static double bruteForce(AffinityMatrix a, double tau, Integer k) {
        double[] best = {Double.NEGATIVE_INFINITY};
        forEachPartition(a.size(), groups -> {
            if (k == null || groups.size() == k) {
                best[0] = Math.max(best[0], PartitionSearch.score(a, groups, tau));
            }
        });
        return best[0];
    }

    @Test
    void bruteForceEnumeratesBellNumbersOfPartitions() {
        int[] bell = {1, 1, 2, 5, 15, 52, 203, 877, 4140, 21147};
        for (int n = 1; n <= 9; n++) {
            int[] count = {0};
            forEachPartition(n, g -> count[0]++);
            assertThat(count[0]).isEqualTo(bell[n]);
        }
    }

    @Test
    void exactThresholdSearchEqualsBruteForceOnHundredsOfRandomMatrices() {
        Random random = new Random(20240226);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + random.nextInt(9);
            AffinityMatrix a = randomAffinity(n, random);
            Double tau = random.nextBoolean() ? null : random.nextDouble() - 0.5;
            Partition p = PartitionSearch.solve(a, new GroupingObjective.Threshold(tau), PartitionSearch.Options.defaults());
            assertThat(p.solver()).isEqualTo(Partition.Solver.EXACT);
            assertThat(p.score()).as("trial %d, n=%d", trial, n).isCloseTo(bruteForce(a, p.tau(), null), within(1e-9));
            assertThat(p.groups().stream().mapToInt(List::size).sum()).isEqualTo(n);
        }
    }

    @Test
    void exactGroupCountSearchEqualsBruteForceOnRandomMatrices() {
        Random random = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + random.nextInt(8);
            int k = 1 + random.nextInt(n);
            AffinityMatrix a = randomAffinity(n, random);
            Partition p = PartitionSearch.solve(a, new GroupingObjective.GroupCount(k, null), PartitionSearch.Options.defaults());
            assertThat(p.groups()).hasSize(k);
            assertThat(p.score()).as("trial %d, n=%d, k=%d", trial, n, k).isCloseTo(bruteForce(a, 0, k), within(1e-9));
        }
    }

    @Test
    void heuristicMatchesExactClosely() {
        Random random = new Random(99);
        for (int trial = 0; trial < 20; trial++) {
            AffinityMatrix a = randomAffinity(12, random);
            var objective = new GroupingObjective.Threshold(null);
            Partition exact = PartitionSearch.solve(a, objective, PartitionSearch.Options.defaults());
            Partition heuristic = PartitionSearch.solve(a, objective, new PartitionSearch.Options(0, true, 1, 64));
            assertThat(heuristic.solver()).isEqualTo(Partition.Solver.HEURISTIC);
            assertThat(heuristic.score()).isLessThanOrEqualTo(exact.score() + 1e-9);
            assertThat(heuristic.score()).isGreaterThanOrEqualTo(exact.score() - 0.01 * Math.abs(exact.score()));
        }
    }

    @Test
    void clearBlocksAreFoundAndOrderedCanonically() {
        // tasks 0,2 agree, 1,3 agree, nothing across
        double[][] s = {{1, -.2, .9, -.1}, {-.2, 1, -.3, .8}, {.9, -.3, 1, -.2}, {-.1, .8, -.2, 1}};
        AffinityMatrix a = new AffinityMatrix(List.of("Art", "Clipart", "Product", "Real_World"), s);
        Partition p = PartitionSearch.solve(a, new GroupingObjective.Threshold(null), PartitionSearch.Options.defaults());
        assertThat(p.groups()).containsExactly(List.of(0, 2), List.of(1, 3));
        assertThat(p.named(a.tasks())).containsExactly(List.of("Art", "Product"), List.of("Clipart", "Real_World"));
        assertThat(PartitionSearch.solve(a, new GroupingObjective.Threshold(null), PartitionSearch.Options.defaults()))
                .isEqualTo(p);
    }

    @Test
    void theDefaultThresholdIsZeroAsThePaperReadsMutualGainAndMeanCentredIsTheOption() {
        // every pair agrees (all > 0), tasks 0,1 and 2,3 agree more than average
        double[][] s = {{1, .8, .2, .1}, {.8, 1, .15, .2}, {.2, .15, 1, .9}, {.1, .2, .9, 1}};
        AffinityMatrix a = new AffinityMatrix(List.of("a", "b", "c", "d"), s);
        var options = PartitionSearch.Options.defaults();
        Partition literal = PartitionSearch.solve(a, GroupingObjective.parse("threshold", null, null), options);
        assertThat(literal.tau()).isZero();
        assertThat(literal.groups()).containsExactly(List.of(0, 1, 2, 3));
        assertThat(literal.objective()).isEqualTo("threshold(tau=0.00000)");
        Partition centred = PartitionSearch.solve(a, GroupingObjective.parse("mean-centred", null, null), options);
        assertThat(centred.tau()).isCloseTo(a.meanOffDiagonal(), within(1e-12));
        assertThat(centred.groups()).containsExactly(List.of(0, 1), List.of(2, 3));
        assertThat(centred.objective()).startsWith("mean-centred(tau=0.39");
        assertThatThrownBy(() -> GroupingObjective.parse("mean-centred", null, 0.1)).hasMessageContaining("drop tau");
        assertThatThrownBy(() -> GroupingObjective.parse("median", null, null)).hasMessageContaining("mean-centred");
    }

    @Test
    void fixedObjectivesNeedNoSearch() {
        AffinityMatrix a = randomAffinity(6, new Random(1));
        var options = PartitionSearch.Options.defaults();
        assertThat(PartitionSearch.solve(a, new GroupingObjective.AllInOne(), options).groups()).hasSize(1);
        assertThat(PartitionSearch.solve(a, new GroupingObjective.Singletons(), options).groups()).hasSize(6);
        Partition r1 = PartitionSearch.solve(a, new GroupingObjective.RandomGroups(3, List.of(2, 4)), options);
        assertThat(r1.groups()).extracting(List::size).containsExactlyInAnyOrder(2, 4);
        assertThat(PartitionSearch.solve(a, new GroupingObjective.RandomGroups(3, List.of(2, 4)), options)).isEqualTo(r1);
        assertThatThrownBy(() -> PartitionSearch.solve(a, new GroupingObjective.RandomGroups(3, List.of(2, 2)), options))
                .hasMessageContaining("add up to 4");
    }

    @Test
    void tooManyTasksForExactWithoutHeuristicIsRefused() {
        AffinityMatrix a = randomAffinity(20, new Random(2));
        assertThatThrownBy(() -> PartitionSearch.solve(a, new GroupingObjective.Threshold(null),
                new PartitionSearch.Options(18, false, 1, 8))).hasMessageContaining("20 tasks exceed");
        assertThat(PartitionSearch.solve(a, new GroupingObjective.Threshold(null), PartitionSearch.Options.defaults())
                .solver()).isEqualTo(Partition.Solver.HEURISTIC);
    }

    @Test
    void badMatricesAreNamed() {
        assertThatThrownBy(() -> new AffinityMatrix(List.of(), new double[0][0])).hasMessageContaining("at least one task");
        assertThatThrownBy(() -> new AffinityMatrix(List.of("a", "b"), new double[][] {{1, 0}}))
                .hasMessageContaining("expected 2 rows");
        assertThatThrownBy(() -> new AffinityMatrix(List.of("a", "b"), new double[][] {{1, 0.5}, {0.2, 1}}))
                .hasMessageContaining("symmetric");
        assertThatThrownBy(() -> new AffinityMatrix(List.of("a", "b"), new double[][] {{1, Double.NaN}, {Double.NaN, 1}}))
                .hasMessageContaining("affinity[0][1]");
        assertThatThrownBy(() -> new AffinityMatrix(List.of("a", "b"), new double[][] {{1, 0}, {0, 1, 2}}))
                .hasMessageContaining("affinity[1]");
    }

    @Test
    void cosineSimilarityOfGradients() {
        double[][] s = GradientSimilarity.COSINE.matrix(List.of(new float[] {1, 0}, new float[] {1, 1}, new float[] {-2, 0},
                new float[] {0, 0}));
        assertThat(s[0][1]).isCloseTo(Math.sqrt(0.5), within(1e-12));
        assertThat(s[0][2]).isCloseTo(-1, within(1e-12));
        assertThat(s[0][3]).isZero();
        assertThat(GradientSimilarity.DOT.matrix(List.of(new float[] {1, 2}, new float[] {3, 4}))[0][1]).isEqualTo(11);
    }
}
