package org.mmapmtl.evalservice.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.qute.TemplateData;
import org.mmapmtl.eval.ClassificationMetrics;
import org.mmapmtl.eval.ResultsTable;
import org.mmapmtl.events.TaskPartition;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the dashboard shows of one experiment, computed from what eval-service received: the runs' live state and
 * loss curves (mmap.progress), the affinity matrix and groups (mmap.partitions), the results table and the
 * accuracy-vs-parameters figure (scores), and one run's confusion matrices.
 */
@TemplateData
public record Board(String experimentId, ExperimentState experiment, List<RunState> runs, List<LossCurve> curves,
                    Affinity affinity, Results results, List<String> scoredRuns, String selectedRun,
                    List<Confusion> confusion) {

    /** One experiment as listed: its phase and state from the newest experiment-wide report, its runs counted. */
    @TemplateData
    public record ExperimentState(String experimentId, String phase, String state, int runs, int runsDone,
                                  int runsRunning, int runsFailed, Instant updatedAt) {
    }

    /** A run's newest state; the numbers are those of its newest step report. */
    @TemplateData
    public record RunState(String runId, String variant, String phase, String state, int epoch, int epochs, long step,
                           long totalSteps, Double loss, Double imagesPerSecond, Long etaMillis, String message,
                           Instant updatedAt) {
        public int percent() {
            if ("done".equals(state)) {
                return 100;
            }
            return totalSteps == 0 ? 0 : (int) Math.min(100, 100 * step / totalSteps);
        }

        public String lossText() {
            return loss == null ? "" : String.format(Locale.ROOT, "%.4f", loss);
        }

        public String speedText() {
            return imagesPerSecond == null ? "" : String.format(Locale.ROOT, "%.1f img/s", imagesPerSecond);
        }

        public String etaText() {
            if (etaMillis == null || !"running".equals(state)) {
                return "";
            }
            Duration d = Duration.ofMillis(etaMillis);
            return d.toHours() > 0 ? String.format(Locale.ROOT, "%dh%02dm", d.toHours(), d.toMinutesPart())
                    : String.format(Locale.ROOT, "%dm%02ds", d.toMinutes(), d.toSecondsPart());
        }
    }

    /**
     * @param step      the run's step (1-based), as reported
     * @param epoch     the epoch (1-based) the step belongs to
     * @param loss      the step's (one batch's) loss
     * @param epochLoss the mean loss of the epoch's steps up to this one (null from trainers that do not send it)
     * @param gradNorm  the step's update gradient norm before clipping (null from trainers that do not send it)
     * @param gradClipped whether the recipe's maxGradNorm clipped the step (null where the recipe does not clip)
     * @param epochClippedShare the share of the epoch's steps up to this one that were clipped (null where the recipe
     *                  does not clip, or from trainers that do not send it): the curve keeps one report in a few
     */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record CurvePoint(long step, int epoch, double loss, Double epochLoss, Double gradNorm, Boolean gradClipped,
                             Double epochClippedShare) {
    }

    /** @param tasks how many tasks each point's loss sums (null when unknown): divide by it to compare runs */
    public record LossCurve(String runId, String variant, Integer tasks, List<CurvePoint> points) {
    }

    /** @param inGroup whether the row and column tasks were put in one group */
    @TemplateData
    public record HeatCell(String row, String column, double value, boolean inGroup) {
        public String text() {
            String t = String.format(Locale.ROOT, "%.2f", value);
            return t.equals("-0.00") ? "0.00" : t; // a tiny negative similarity reads as zero, not "-0.00"
        }

        /** Blue for positive similarity (mutual gain), red for negative, stronger with the magnitude. */
        public String style() {
            double a = Math.min(1, Math.abs(value));
            String rgb = value >= 0 ? "33,102,172" : "178,24,43";
            return String.format(Locale.ROOT, "background-color: rgba(%s,%.3f); color: %s", rgb, 0.08 + 0.92 * a,
                    a > 0.55 ? "#fff" : "#111");
        }
    }

    @TemplateData
    public record HeatRow(String task, List<HeatCell> cells) {
    }

    @TemplateData
    public record Affinity(List<String> tasks, List<HeatRow> rows, List<List<String>> groups, String objective,
                           String solver, double score, int snapshotsUsed) {
        static Affinity of(TaskPartition p) {
            Map<String, Integer> groupOf = new LinkedHashMap<>();
            for (int g = 0; g < p.groups().size(); g++) {
                for (String t : p.groups().get(g)) {
                    groupOf.put(t, g);
                }
            }
            double[][] m = p.affinity();
            List<HeatRow> rows = new ArrayList<>();
            for (int i = 0; i < p.tasks().size(); i++) {
                List<HeatCell> cells = new ArrayList<>();
                for (int j = 0; j < p.tasks().size(); j++) {
                    String a = p.tasks().get(i);
                    String b = p.tasks().get(j);
                    cells.add(new HeatCell(a, b, m[i][j], groupOf.get(a).equals(groupOf.get(b))));
                }
                rows.add(new HeatRow(p.tasks().get(i), cells));
            }
            return new Affinity(p.tasks(), rows, p.groups(), p.objective(), p.solver(), p.score(), p.snapshotsUsed());
        }

        public String scoreText() {
            return String.format(Locale.ROOT, "%.4f", score);
        }
    }

    @TemplateData
    public record ResultCell(String task, String text, Double mean) {
    }

    @TemplateData
    /** @param atOrBelowChance whether the row's mean is no better than a uniform guess */
    public record ResultRow(String method, List<ResultCell> cells, ResultCell mean, long trainableParams,
                            String paramsText, int seeds, boolean complete, boolean atOrBelowChance) {
    }

    /** The paper's Table 1 shape, and Figure 1's points (mean accuracy against trainable parameters). */
    /**
     * @param chanceText  the chance level, as the Markdown table states it ("" when no task is scored yet)
     * @param uniformLoss the loss per task of a uniform guess (ln of a task's classes, averaged over the tasks scored
     *                    so far), the loss chart's guide line; null when no task is scored yet
     * @param trainedWith the runs' recipe in words ("" when no checkpoint carried it)
     * @param notes       the caption's further sentences ("" when none)
     */
    @TemplateData
    public record Results(List<String> tasks, List<ResultRow> rows, String chanceText, Double uniformLoss,
                          String trainedWith, String notes) {
        static Results of(ResultsTable.Table table) {
            List<ResultRow> rows = new ArrayList<>();
            for (ResultsTable.Row r : table.rows()) {
                List<ResultCell> cells = new ArrayList<>();
                for (String t : table.tasks()) {
                    ResultsTable.Cell c = r.tasks().get(t);
                    cells.add(c == null ? new ResultCell(t, "–", null) : new ResultCell(t, c.text(), c.mean()));
                }
                ResultCell mean = new ResultCell("mean", r.mean().text(), Double.isNaN(r.mean().mean()) ? null : r.mean().mean());
                rows.add(new ResultRow(r.method(), cells, mean, r.trainableParams(), ResultsTable.params(r.trainableParams()),
                        r.seeds().size(), r.complete(), table.atOrBelowChance(r)));
            }
            Double uniformLoss = table.chance().isEmpty() ? null
                    : table.chance().values().stream().mapToDouble(c -> -Math.log(c)).average().orElseThrow();
            return new Results(table.tasks(), rows, table.chance().isEmpty() ? "" : table.chanceText(), uniformLoss,
                    table.trainedWith() == null ? "" : table.trainedWith(), String.join(" ", table.notes()));
        }
    }

    @TemplateData
    public record ConfusionRow(String trueClass, List<Long> counts, List<String> styles) {
    }

    /** One task's confusion matrix of the selected run's final checkpoint: rows true classes, columns predictions. */
    @TemplateData
    public record Confusion(String task, List<String> classes, List<ConfusionRow> rows, String accuracyText) {
        static Confusion of(String task, ClassificationMetrics m) {
            long[][] c = m.confusion();
            List<ConfusionRow> rows = new ArrayList<>();
            for (int i = 0; i < c.length; i++) {
                long rowTotal = 0;
                for (long v : c[i]) {
                    rowTotal += v;
                }
                List<Long> counts = new ArrayList<>();
                List<String> styles = new ArrayList<>();
                for (int j = 0; j < c[i].length; j++) {
                    counts.add(c[i][j]);
                    double share = rowTotal == 0 ? 0 : (double) c[i][j] / rowTotal;
                    String rgb = i == j ? "26,152,80" : "215,48,39";
                    styles.add(c[i][j] == 0 ? "" : String.format(Locale.ROOT, "background-color: rgba(%s,%.3f)", rgb,
                            0.12 + 0.78 * share));
                }
                rows.add(new ConfusionRow(m.classes().get(i), counts, styles));
            }
            return new Confusion(task, m.classes(), rows, String.format(Locale.ROOT, "%.2f", 100 * m.accuracy()));
        }
    }

    /** Whether any run reported its gradient norm: the gradient chart is shown then only. */
    public boolean gradNorms() {
        return curves.stream().anyMatch(c -> c.points().stream().anyMatch(p -> p.gradNorm() != null));
    }

    /** A run id without its experiment's prefix, as tables and legends show it. */
    public String shortRun(String runId) {
        String prefix = experimentId + ".";
        return runId != null && runId.startsWith(prefix) ? runId.substring(prefix.length()) : runId;
    }

    /** The numbers the charts draw, for the page's script (escaped for a script element). */
    public String chartJson() {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("curves", curves.stream().map(c -> {
            Map<String, Object> curve = new LinkedHashMap<>();
            curve.put("runId", c.runId());
            curve.put("label", shortRun(c.runId()));
            curve.put("variant", c.variant() == null ? "" : c.variant());
            curve.put("tasks", c.tasks() == null ? 1 : c.tasks());
            curve.put("points", c.points());
            return curve;
        }).toList());
        List<Map<String, Object>> points = new ArrayList<>();
        if (results != null) {
            for (ResultRow r : results.rows()) {
                if (r.mean().mean() != null) {
                    points.add(Map.of("method", r.method(), "params", r.trainableParams(),
                            "accuracy", 100 * r.mean().mean()));
                }
            }
        }
        data.put("accuracyVsParams", points);
        data.put("uniformLoss", results == null ? null : results.uniformLoss());
        try {
            return new ObjectMapper().writeValueAsString(data).replace("</", "<\\/");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
