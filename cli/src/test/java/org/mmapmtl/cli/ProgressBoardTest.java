package org.mmapmtl.cli;

import org.junit.jupiter.api.Test;
import org.mmapmtl.events.Progress;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressBoardTest {
    static Progress step(String run, long step, double loss) {
        return new Progress("e", "e." + run, "coop-mt", "single", "running", step, 20, 1, 2, loss, loss, Map.of(), 7.17, 0.002, 3.5, false, 0.25, 50.0,
                61_000L, null, Instant.now());
    }

    @Test
    void aLinePerRunWithItsBarAndTheLastStepsNumbers() {
        ProgressBoard board = new ProgressBoard();
        board.add(Progress.lifecycle("e", null, null, "phase-1", "running", "experiment global-training", Instant.now()));
        board.add(step("coop-mt.s1", 5, 1.5));
        board.add(step("vpt-mt.s1", 20, 0.7));
        board.add(Progress.lifecycle("e", "e.vpt-mt.s1", "vpt-mt", "single", "done", "run done", Instant.now()));
        assertThat(board.lines()).hasSize(3);
        assertThat(board.lines().get(0)).isEqualTo("experiment  running  experiment global-training");
        assertThat(board.lines().get(1)).startsWith("coop-mt.s1 [#####---------------] single    running")
                .contains("step 5/20").contains("loss 1.5000 (uniform 7.17)  grad 3.50 (not clipped; 25 % of the epoch)  50.0 img/s")
                .contains("ETA 1m01s");
        assertThat(board.lines().get(2)).startsWith("vpt-mt.s1  [####################] single    done")
                .contains("loss 0.7000").contains("grad 3.50").contains("ETA -"); // the last step's numbers kept
    }

    @Test
    void aStepsLossStandsBesideAUniformGuesssWhenTheReportCarriesIt() {
        assertThat(ProgressBoard.loss(8.1404, 7.1670)).isEqualTo("loss 8.1404 (uniform 7.17)");
        assertThat(ProgressBoard.loss(0.5, null)).isEqualTo("loss 0.5000"); // a record of an older trainer
    }

    @Test
    void aStepsGradientNormSaysWhenTheRecipeClippedIt() {
        assertThat(ProgressBoard.gradient(108.45, true, 0.125)).isEqualTo("  grad 108 (clipped; 13 % of the epoch)");
        assertThat(ProgressBoard.gradient(3.5, false, 0.5)).isEqualTo("  grad 3.50 (not clipped; 50 % of the epoch)");
        assertThat(ProgressBoard.gradient(0.00123, false, null)).isEqualTo("  grad 0.00123 (not clipped)");
        assertThat(ProgressBoard.gradient(3.5, null, null)).isEqualTo("  grad 3.50"); // a recipe that does not clip
        assertThat(ProgressBoard.gradient(null, null, null)).isEmpty(); // a record of an older trainer
    }

    @Test
    void redrawingMovesTheCursorBackOverTheLastBoard() {
        ProgressBoard board = new ProgressBoard();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        board.add(step("coop-mt.s1", 1, 2.0));
        board.draw(out, true);
        board.add(step("coop-mt.s1", 2, 1.9));
        board.draw(out, true);
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("\033[2A").contains("step 2/20");
        assertThat(text.indexOf("\033[2A")).isGreaterThan(text.indexOf("step 1/20"));
    }
}
