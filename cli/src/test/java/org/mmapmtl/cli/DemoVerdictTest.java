package org.mmapmtl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo's sentences say who wins from the numbers, whichever method it is. */
class DemoVerdictTest {
    private static JsonNode rows(String json) throws Exception {
        return ServiceClient.JSON.readTree(json);
    }

    private static String row(String method, double mean, long params) {
        return row(method, mean, 0, params);
    }

    private static String row(String method, double mean, double std, long params) {
        return "{\"method\": \"" + method + "\", \"complete\": true, \"mean\": {\"mean\": " + mean + ", \"std\": " + std
                + "}, \"trainableParams\": " + params + "}";
    }

    @Test
    void itNamesTheMethodsBelowZeroShotAndTheWinner() throws Exception {
        List<String> lines = DemoCommand.verdict(rows("[" + String.join(",", row("zero-shot", 0.533, 0),
                row("coop-mt", 0.377, 2048), row("mmap", 0.601, 9240), row("mmap-random", 0.506, 9240)) + "]"), 1 / 6.0);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).contains("53.3 %").contains("16.7 %").contains("carries over");
        assertThat(lines.get(1)).startsWith("Not every trained method beats it (coop-mt, mmap-random do not)")
                .contains("to mmap (60.1 %, 9240 parameters)").contains("Decided groups beat random ones (60.1 % against 50.6 %)")
                .doesNotContain("points below the best");
        assertThat(lines.get(2)).contains("toy world").contains("not the paper's numbers");
    }

    @Test
    void aBaselineThatWinsIsSaidToWin() throws Exception {
        List<String> lines = DemoCommand.verdict(rows("[" + String.join(",", row("zero-shot", 0.2, 0),
                row("vpt-mt", 0.8, 4608), row("mmap", 0.7, 9240), row("mmap-random", 0.75, 9240)) + "]"), 1 / 6.0);
        assertThat(lines.get(0)).contains("little of what it learned");
        assertThat(lines.get(1)).startsWith("Every trained method beats it").contains("to vpt-mt (80.0 %")
                .contains("MmAP reaches 70.0 % with 9240 parameters, 10.0 points below the best")
                .contains("Decided groups lose to random ones");
    }

    @Test
    void groupsWithinTheSeedsSpreadAreNotSaidToWin() throws Exception {
        List<String> lines = DemoCommand.verdict(rows("[" + String.join(",", row("zero-shot", 0.75, 0, 0),
                row("mmap", 0.916, 0.0065, 9240), row("mmap-random", 0.911, 0.0033, 9240)) + "]"), 1 / 6.0);
        assertThat(lines.get(1)).startsWith("Every trained method beats it")
                .contains("Decided groups are within the seeds' spread of random ones (91.6 % against 91.1 %)");
    }

    @Test
    void aMethodThatBarelyGainsIsSaidToBarelyGain() throws Exception {
        List<String> lines = DemoCommand.verdict(rows("[" + String.join(",", row("zero-shot", 0.668, 0),
                row("coop-mt", 0.684, 512), row("vpt-mt", 0.836, 9216), row("maple-mt", 0.70, 70000)) + "]"), 1 / 6.0);
        assertThat(lines.get(1)).startsWith("Every trained method beats it")
                .contains("coop-mt gains only 1.6 points over zero-shot: a context shared by every class")
                .contains("maple-mt gains only 3.2 points over zero-shot.").doesNotContain("vpt-mt gains");
    }

    @Test
    void oneTrainedMethodIsNamedOnce() throws Exception {
        List<String> lines = DemoCommand.verdict(rows("[" + String.join(",", row("zero-shot", 0.676, 0),
                row("coop-mt", 0.691, 512)) + "]"), 1 / 6.0);
        assertThat(lines.get(1)).startsWith("coop-mt (69.1 %, 512 parameters) beats it.").doesNotContain("from coop-mt");
        lines = DemoCommand.verdict(rows("[" + String.join(",", row("zero-shot", 0.676, 0),
                row("coop-mt", 0.60, 512)) + "]"), 1 / 6.0);
        assertThat(lines.get(1)).startsWith("coop-mt (60.0 %, 512 parameters) does not beat it.");
    }
}
