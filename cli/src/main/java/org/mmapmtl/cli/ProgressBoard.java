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

    private record Row(String stage, String state, int epoch, int epochs, long step, long totalSteps, Double loss,
                       Double uniformLoss, Double gradNorm, Boolean gradClipped, Double epochClippedShare,
                       Double imagesPerSecond, Long etaMillis, String message) {
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
        if (p.loss() == null && before != null) { // a lifecycle report keeps the last step's numbers
            runs.put(run, new Row(p.phase(), p.state(), before.epoch, before.epochs, before.step, before.totalSteps,
                    before.loss, before.uniformLoss, before.gradNorm, before.gradClipped, before.epochClippedShare,
                    before.imagesPerSecond, before.etaMillis, p.message()));
        } else {
            runs.put(run, new Row(p.phase(), p.state(), p.epoch(), p.epochs(), p.step(), p.totalSteps(), p.loss(),
                    p.uniformLoss(), p.gradNorm(), p.gradClipped(), p.epochClippedShare(), p.imagesPerSecond(),
                    p.etaMillis(), p.message()));
        }
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
            double done = "done".equals(r.state) ? 1 : r.totalSteps == 0 ? 0 : (double) r.step / r.totalSteps;
            int filled = (int) Math.round(done * BAR);
            String bar = "[" + "#".repeat(filled) + "-".repeat(BAR - filled) + "]";
            String numbers = r.loss == null ? "" : String.format(Locale.ROOT, "epoch %d/%d  step %d/%d  %s%s  %s img/s  ETA %s",
                    r.epoch, r.epochs, r.step, r.totalSteps, loss(r.loss, r.uniformLoss),
                    gradient(r.gradNorm, r.gradClipped, r.epochClippedShare),
                    r.imagesPerSecond == null ? "-" : String.format(Locale.ROOT, "%.1f", r.imagesPerSecond),
                    "running".equals(r.state) ? ExperimentCommands.Status.eta(r.etaMillis) : "-");
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
