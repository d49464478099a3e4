package org.mmapmtl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mmapmtl.grouping.AffinityMatrix;
import org.mmapmtl.grouping.GradientSimilarity;
import org.mmapmtl.grouping.GroupingObjective;
import org.mmapmtl.grouping.Partition;
import org.mmapmtl.grouping.PartitionSearch;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Times the exact partition search, and measures how close the heuristic comes to it, on affinity matrices shaped
 * like real ones: cosines of gradients drawn around a few cluster directions.
 */
public final class PartitionSearchBench {
    static final int[] EXACT_SIZES = {8, 12, 16, 18};
    static final int[] LARGE_SIZES = {32, 64};

    private PartitionSearchBench() {
    }

    /** Cosine affinity of n gradients of dimension 64 scattered around 2..5 cluster directions. */
    public static AffinityMatrix clusteredAffinity(int n, Random random) {
        int dimension = 64;
        int clusters = 2 + random.nextInt(4);
        float[][] centers = new float[clusters][dimension];
        for (float[] c : centers) {
            for (int i = 0; i < dimension; i++) {
                c[i] = (float) random.nextGaussian();
            }
        }
        List<float[]> gradients = new ArrayList<>();
        List<String> tasks = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            float[] center = centers[random.nextInt(clusters)];
            float[] g = new float[dimension];
            double noise = 0.5 + random.nextDouble();
            for (int i = 0; i < dimension; i++) {
                g[i] = (float) (center[i] + noise * random.nextGaussian());
            }
            gradients.add(g);
            tasks.add("task" + t);
        }
        return new AffinityMatrix(tasks, GradientSimilarity.COSINE.matrix(gradients));
    }

    public static ObjectNode run(Path out, int matricesPerSize, PrintStream log) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode result = json.createObjectNode();
        result.put("benchmark", "partition-search");
        result.put("when", Instant.now().toString());
        result.put("java", System.getProperty("java.version"));
        result.put("cores", Runtime.getRuntime().availableProcessors());
        result.put("matricesPerSize", matricesPerSize);
        result.put("objective", "mean-centred (tau = mean off-diagonal affinity)");
        Random random = new Random(42);
        GroupingObjective objective = new GroupingObjective.MeanCentred();
        PartitionSearch.Options exactOnly = new PartitionSearch.Options(PartitionSearch.DEFAULT_EXACT_LIMIT, false, 1, 64);
        PartitionSearch.Options heuristicOnly = new PartitionSearch.Options(0, true, 1, 64);

        PartitionSearch.solve(clusteredAffinity(14, random), objective, exactOnly); // JIT warm-up

        ArrayNode exact = result.putArray("exact");
        for (int n : EXACT_SIZES) {
            double[] ms = new double[matricesPerSize];
            double[] heuristicMs = new double[matricesPerSize];
            double worstRatio = Double.POSITIVE_INFINITY;
            double ratioSum = 0;
            int optimalHits = 0;
            for (int m = 0; m < matricesPerSize; m++) {
                AffinityMatrix a = clusteredAffinity(n, random);
                long t0 = System.nanoTime();
                Partition best = PartitionSearch.solve(a, objective, exactOnly);
                ms[m] = (System.nanoTime() - t0) / 1e6;
                long t1 = System.nanoTime();
                Partition h = PartitionSearch.solve(a, objective, heuristicOnly);
                heuristicMs[m] = (System.nanoTime() - t1) / 1e6;
                double ratio = best.score() == 0 ? 1 : h.score() / best.score();
                worstRatio = Math.min(worstRatio, ratio);
                ratioSum += ratio;
                if (Math.abs(h.score() - best.score()) < 1e-9) {
                    optimalHits++;
                }
            }
            ObjectNode row = exact.addObject();
            row.put("n", n);
            row.put("exactMedianMs", BenchResults.median(ms));
            row.put("exactMaxMs", Arrays.stream(ms).max().orElse(0));
            row.put("heuristicMedianMs", BenchResults.median(heuristicMs));
            row.put("heuristicScoreRatioMin", worstRatio);
            row.put("heuristicScoreRatioMean", ratioSum / matricesPerSize);
            row.put("heuristicOptimalCount", optimalHits);
            log.printf("n=%2d  exact median %9.1f ms (max %9.1f)  heuristic %7.1f ms, score ratio min %.4f mean %.4f, optimal %d/%d%n",
                    n, BenchResults.median(ms), Arrays.stream(ms).max().orElse(0), BenchResults.median(heuristicMs), worstRatio,
                    ratioSum / matricesPerSize, optimalHits, matricesPerSize);
        }
        ArrayNode large = result.putArray("heuristicLarge");
        for (int n : LARGE_SIZES) {
            double[] ms = new double[matricesPerSize];
            for (int m = 0; m < matricesPerSize; m++) {
                AffinityMatrix a = clusteredAffinity(n, random);
                long t0 = System.nanoTime();
                PartitionSearch.solve(a, objective, heuristicOnly);
                ms[m] = (System.nanoTime() - t0) / 1e6;
            }
            large.addObject().put("n", n).put("heuristicMedianMs", BenchResults.median(ms))
                    .put("heuristicMaxMs", Arrays.stream(ms).max().orElse(0));
            log.printf("n=%2d  heuristic median %9.1f ms (max %9.1f)%n", n, BenchResults.median(ms), Arrays.stream(ms).max().orElse(0));
        }
        BenchResults.write(result, out, log);
        return result;
    }

}
