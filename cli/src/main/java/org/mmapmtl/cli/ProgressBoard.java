package org.mmapmtl.cli;

import org.mmapmtl.events.Progress;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An experiment's progress in a terminal: one line per run with a bar (stage, epoch, step, loss, speed, ETA, state),
 * redrawn in place as reports arrive, and a line for the experiment's own phase. {@link #lines()} is what is drawn.
 */
final class ProgressBoard {
    static final int BAR = 20;

    /** A run's stage and state from its latest report; its numbers from the latest report of a step, or its first report until one comes. */
    private record Row(String stage, String state, Progress lastStep, String message) {
    }

    private final Map<String, Row> runs = new LinkedHashMap<>();
    private String experiment = "";
    private int drawn;
    private long lastDraw;

    void add(Progress p) {
        if (p.runId() == null) {
            experiment = p.state() + (p.message() == null ? "" : "  " + p.message());
            return;
        }
        String run = p.runId().substring(p.runId().indexOf('.') + 1);
        Row before = runs.get(run);
        // a lifecycle report (no loss) keeps the last step's numbers
        Progress lastStep = p.loss() != null || before == null ? p : before.lastStep();
        runs.put(run, new Row(p.phase(), p.state(), lastStep, p.message()));
    }

    /** A step's loss beside a uniform guess's, so that a line says whether the run learns: "loss 2.0694 (uniform 7.17)". */
    static String loss(double loss, Double uniformLoss) {
        return String.format(Locale.ROOT, "loss %.4f", loss)
                + (uniformLoss == null ? "" : String.format(Locale.ROOT, " (uniform %.2f)", uniformLoss));
    }

    /**
     * The step's gradient norm after the loss and, where the recipe clips, whether this step was clipped and how much
     * of the epoch so far was: "  grad 108 (clipped; 12 % of the epoch)". Empty for a report without a norm (an older
     * trainer).
     */
    static String gradient(Double gradNorm, Boolean clipped, Double epochClippedShare) {
        if (gradNorm == null) {
            return "";
        }
        String norm = String.format(Locale.ROOT, "  grad %.3g", gradNorm);
        if (clipped == null) {
            return norm;
        }
        return norm + " (" + (clipped ? "clipped" : "not clipped") + (epochClippedShare == null ? ""
                : String.format(Locale.ROOT, "; %.0f %% of the epoch", 100 * epochClippedShare)) + ")";
    }

    List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add("experiment  " + experiment);
        int width = runs.keySet().stream().mapToInt(String::length).max().orElse(10);
        for (Map.Entry<String, Row> e : runs.entrySet()) {
            Row r = e.getValue();
            long totalSteps = r.lastStep().totalSteps();
            double done = "done".equals(r.state) ? 1 : totalSteps == 0 ? 0 : (double) r.lastStep().step() / totalSteps;
            int filled = (int) Math.round(done * BAR);
            String bar = "[" + "#".repeat(filled) + "-".repeat(BAR - filled) + "]";
            Progress n = r.lastStep();
            String numbers = n.loss() == null ? "" : String.format(Locale.ROOT, "epoch %d/%d  step %d/%d  %s%s  %s img/s  ETA %s",
                    n.epoch(), n.epochs(), n.step(), n.totalSteps(), loss(n.loss(), n.uniformLoss()),
                    gradient(n.gradNorm(), n.gradClipped(), n.epochClippedShare()),
                    n.imagesPerSecond() == null ? "-" : String.format(Locale.ROOT, "%.1f", n.imagesPerSecond()),
                    "running".equals(r.state) ? ExperimentCommands.Status.eta(n.etaMillis()) : "-");
            String tail = "failed".equals(r.state) && r.message != null ? "  " + r.message : "";
            out.add(String.format(Locale.ROOT, "%-" + width + "s %s %-9s %-8s %s%s", e.getKey(), bar,
                    r.stage == null ? "" : r.stage, r.state, numbers, tail));
        }
        return out;
    }

    /** Redraws the board in place (ANSI), at most four times a second unless {@code force}. */
    void draw(PrintStream out, boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastDraw < 250_000_000L) {
            return;
        }
        lastDraw = now;
        StringBuilder b = new StringBuilder();
        if (drawn > 0) {
            b.append("\033[").append(drawn).append('A');
        }
        List<String> lines = lines();
        for (String line : lines) {
            b.append("\r\033[2K").append(line).append('\n');
        }
        out.print(b);
        out.flush();
        drawn = lines.size();
    }

    /** Whether standard output is a terminal that understands cursor movement. */
    static boolean terminal() {
        String term = System.getenv("TERM");
        return System.console() != null && term != null && !term.equals("dumb") && System.getenv("CI") == null;
    }
}
