package org.mmapmtl.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The paper's Table 1 shape from evaluated runs: one row per method (as the experiment named it), one column per
 * task, the mean column, each cell the mean ± sample standard deviation over seeds, and the trainable parameters.
 * A method trained as several runs per seed (one per group of the partition) is assembled per seed: each task's
 * accuracy comes from the run that holds the task, and the parameters add up over the seed's runs.
 */
public final class ResultsTable {

    /**
     * One run's final evaluation.
     *
     * @param accuracy per task, in [0, 1]
     */
    public record RunScore(String method, long seed, String runId, Map<String, Double> accuracy, long trainableParams) {
        public RunScore {
            accuracy = Map.copyOf(accuracy);
        }
    }

    /** @param n how many seeds the cell averages */
    public record Cell(double mean, double std, int n) {
        static Cell of(List<Double> values) {
            int n = values.size();
            double mean = values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            double ss = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
            return new Cell(mean, n > 1 ? Math.sqrt(ss / (n - 1)) : 0, n);
        }

        /** In percent as the paper prints it: {@code 81.23 ± 0.45} over several seeds, {@code 81.23} for one. */
        public String text() {
            return n > 1 ? pct(mean) + " ± " + pct(std) : pct(mean);
        }
    }

    /**
     * A seed of a method that has been trained or is training but whose final evaluation is not in yet: a checkpoint of
     * the run was received and its last epoch is not scored. Its row is not complete until it is.
     */
    public record Outstanding(String method, long seed) {
    }

    /**
     * @param seeds    the seeds whose runs cover every task
     * @param complete false while some seed still misses a task (its runs are not all evaluated yet) or is outstanding
     */
    public record Row(String method, Map<String, Cell> tasks, Cell mean, long trainableParams, List<Long> seeds,
                      boolean complete) {
    }

    /**
     * @param chance      per task, the accuracy of a uniform guess (1 / classes); empty when unknown
     * @param trainedWith the runs' recipe in words, for the caption (null when unknown)
     * @param notes       further sentences of the caption: how the groups were decided, where imported rows come from
     */
    public record Table(List<String> tasks, List<Row> rows, Map<String, Double> chance, String trainedWith,
                        List<String> notes) {
        public Table {
            chance = Map.copyOf(chance);
            notes = notes == null ? List.of() : List.copyOf(notes);
        }

        public Table(List<String> tasks, List<Row> rows, Map<String, Double> chance, String trainedWith) {
            this(tasks, rows, chance, trainedWith, List.of());
        }

        public Table(List<String> tasks, List<Row> rows, Map<String, Double> chance) {
            this(tasks, rows, chance, null);
        }

        public Table(List<String> tasks, List<Row> rows) {
            this(tasks, rows, Map.of());
        }

        /** The chance level as tables print it: "16.67 %" when every task shares it, else "Art 50.00 %, Clipart 25.00 %". */
        public String chanceText() {
            List<String> known = tasks.stream().filter(chance::containsKey).toList();
            if (known.stream().map(t -> pct(chance.get(t))).distinct().count() == 1) {
                return pct(chance.get(known.get(0))) + " %";
            }
            return known.stream().map(t -> t + " " + pct(chance.get(t)) + " %").collect(Collectors.joining(", "));
        }

        /** Whether a row's mean is no better than guessing: at or below the mean of its tasks' chance levels. */
        public boolean atOrBelowChance(Row r) {
            if (chance.isEmpty() || Double.isNaN(r.mean().mean())) {
                return false;
            }
            double level = tasks.stream().filter(chance::containsKey).mapToDouble(chance::get).average().orElse(0);
            return r.mean().mean() <= level + 1e-12;
        }

        public String toCsv() {
            StringBuilder b = new StringBuilder("method,seeds");
            tasks.forEach(t -> b.append(',').append(t).append(',').append(t).append("_std"));
            b.append(",mean,mean_std,trainable_params,complete\n");
            for (Row r : rows) {
                b.append(csv(r.method())).append(',').append(r.seeds().size());
                for (String t : tasks) {
                    Cell c = r.tasks().get(t);
                    b.append(',').append(c == null ? "" : pct(c.mean())).append(',').append(c == null ? "" : pct(c.std()));
                }
                b.append(',').append(pct(r.mean().mean())).append(',').append(pct(r.mean().std()))
                        .append(',').append(r.trainableParams()).append(',').append(r.complete()).append('\n');
            }
            return b.toString();
        }

        public String toMarkdown() {
            StringBuilder b = new StringBuilder("| method | ");
            tasks.forEach(t -> b.append(t).append(" | "));
            b.append("mean | params |\n|---|");
            tasks.forEach(t -> b.append("---|"));
            b.append("---|---|\n");
            for (Row r : rows) {
                b.append("| ").append(r.method()).append(r.complete() ? "" : " (incomplete)")
                        .append(atOrBelowChance(r) ? " (at or below chance)" : "").append(" | ");
                for (String t : tasks) {
                    Cell c = r.tasks().get(t);
                    b.append(c == null ? "–" : cell(c)).append(" | ");
                }
                b.append("**").append(cell(r.mean())).append("** | ").append(params(r.trainableParams())).append(" |\n");
            }
            b.append("\nAccuracy (%) on each task's test split, mean ± sample std over seeds.");
            if (!chance.isEmpty()) {
                b.append(" Chance (a uniform guess): ").append(chanceText()).append('.');
            }
            if (trainedWith != null) {
                b.append(" Trained with ").append(trainedWith).append('.');
            }
            notes.forEach(n -> b.append(' ').append(n));
            if (rows.stream().anyMatch(r -> !r.complete())) {
                b.append(" Rows marked (incomplete) average only the seeds evaluated so far (").append(
                        rows.stream().filter(r -> !r.complete()).map(r -> r.method() + ": " + r.seeds().size() + " seed"
                                + (r.seeds().size() == 1 ? "" : "s")).collect(Collectors.joining(", "))).append(").");
            }
            b.append('\n');
            return b.toString();
        }

        private static String cell(Cell c) {
            return c.text();
        }
    }

    private ResultsTable() {
    }

    /**
     * @param tasks       the column order
     * @param methodOrder the row order (methods not listed follow, by name)
     */
    public static Table of(List<String> tasks, List<String> methodOrder, List<RunScore> runs) {
        return of(tasks, methodOrder, runs, List.of());
    }

    /**
     * @param outstanding seeds still training or awaiting their final evaluation: their methods' rows are incomplete
     */
    public static Table of(List<String> tasks, List<String> methodOrder, List<RunScore> runs, List<Outstanding> outstanding) {
        Map<String, Map<Long, List<RunScore>>> byMethod = new TreeMap<>();
        for (RunScore r : runs) {
            byMethod.computeIfAbsent(r.method(), m -> new TreeMap<>()).computeIfAbsent(r.seed(), s -> new ArrayList<>()).add(r);
        }
        List<Row> rows = new ArrayList<>();
        byMethod.forEach((method, bySeed) -> {
            Row row = row(method, tasks, bySeed);
            boolean waiting = outstanding.stream().anyMatch(o -> o.method().equals(method));
            rows.add(waiting ? new Row(row.method(), row.tasks(), row.mean(), row.trainableParams(), row.seeds(), false) : row);
        });
        rows.sort(Comparator.comparingInt((Row r) -> {
            int i = methodOrder.indexOf(r.method());
            return i < 0 ? Integer.MAX_VALUE : i;
        }).thenComparing(Row::method));
        return new Table(List.copyOf(tasks), rows);
    }

    private static Row row(String method, List<String> tasks, Map<Long, List<RunScore>> bySeed) {
        Map<String, List<Double>> perTask = new LinkedHashMap<>();
        tasks.forEach(t -> perTask.put(t, new ArrayList<>()));
        List<Double> seedMeans = new ArrayList<>();
        List<Long> completeSeeds = new ArrayList<>();
        long params = 0;
        boolean complete = true;
        for (Map.Entry<Long, List<RunScore>> seed : bySeed.entrySet()) {
            Map<String, Double> accuracy = new LinkedHashMap<>();
            long seedParams = 0;
            for (RunScore r : seed.getValue()) {
                accuracy.putAll(r.accuracy());
                seedParams += r.trainableParams();
            }
            if (!accuracy.keySet().containsAll(tasks)) {
                complete = false;
                continue;
            }
            completeSeeds.add(seed.getKey());
            tasks.forEach(t -> perTask.get(t).add(accuracy.get(t)));
            seedMeans.add(tasks.stream().mapToDouble(accuracy::get).average().orElseThrow());
            params = seedParams;
        }
        Map<String, Cell> cells = new LinkedHashMap<>();
        perTask.forEach((t, values) -> {
            if (!values.isEmpty()) {
                cells.put(t, Cell.of(values));
            }
        });
        return new Row(method, cells, Cell.of(seedMeans), params, completeSeeds, complete && !completeSeeds.isEmpty());
    }

    static String pct(double fraction) {
        return Double.isNaN(fraction) ? "" : String.format(Locale.ROOT, "%.2f", 100 * fraction);
    }

    /** Parameters as the paper prints them: 0.13M, 149.62M; small counts in full. */
    public static String params(long count) {
        return count >= 10_000 ? String.format(Locale.ROOT, "%.2fM", count / 1e6) : Long.toString(count);
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    /** For tests and callers that print a row. */
    static String describe(Row r) {
        return r.method() + r.tasks().entrySet().stream().map(e -> " " + e.getKey() + "=" + pct(e.getValue().mean()))
                .collect(Collectors.joining());
    }
}
