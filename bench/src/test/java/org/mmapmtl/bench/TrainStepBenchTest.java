package org.mmapmtl.bench;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmapmtl.clip.ClipArchitecture;
import org.mmapmtl.clip.Precision;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainStepBenchTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    /** The tiny CLIP, batch 2, 4 classes, the fused step on the CPU. */
    private static TrainStepBench.Setup setup(String method, int tasks, int iterations, Precision precision,
                                              Double maxGradNorm, Path profile) {
        return new TrainStepBench.Setup(ClipArchitecture.TINY, method, 2, 4, tasks, false, false, iterations,
                Device.cpu(), precision, maxGradNorm, profile);
    }

    @Test
    void timesTheTrainersStepAndWritesIt(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("train-step.json");
        TrainStepBench.run(setup("mmap-mt", 1, 2, Precision.FP32, null, null), out, QUIET);
        JsonNode json = new ObjectMapper().readTree(out.toFile());
        assertThat(json.get("method").asText()).isEqualTo("mmap-mt");
        assertThat(json.get("trainableParameters").asLong()).isPositive();
        assertThat(json.get("stepMs").asDouble()).isPositive();
        assertThat(json.get("imagesPerSecond").asDouble()).isPositive();
        assertThat(json.get("residentMiBAfterEachStep")).hasSize(3); // the warm-up step and two timed ones
    }

    @Test
    void aBf16StepIsMeasuredAgainstTheBf16GemmRateWhereTheCpuHasIt(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("train-step.json");
        if (!Precision.BF16.runsNativelyOn(Device.cpu())) {
            assertThatThrownBy(() -> TrainStepBench.run(setup("mmap-mt", 1, 1, Precision.BF16, null, null),
                    out, QUIET)).hasMessageContaining("AVX-512 BF16");
            return;
        }
        TrainStepBench.run(setup("mmap-mt", 1, 1, Precision.BF16, null, null), out, QUIET);
        JsonNode json = new ObjectMapper().readTree(out.toFile());
        assertThat(json.get("precision").asText()).isEqualTo("bf16");
        assertThat(json.get("stepMs").asDouble()).isPositive();
        assertThat(json.get("gemmGflops").asDouble()).isPositive();
    }

    @Test
    void timesAClippedStepAndSaysSo(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("train-step.json");
        TrainStepBench.run(setup("mmap-mt", 2, 1, Precision.FP32, 1e-3, null), out, QUIET);
        JsonNode json = new ObjectMapper().readTree(out.toFile());
        assertThat(json.get("maxGradNorm").asDouble()).isEqualTo(1e-3);
        assertThat(json.get("stepMs").asDouble()).isPositive();
    }

    @Test
    void countsTheStepsMatrixWorkAndProfilesItsOps(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("train-step.json");
        Path trace = dir.resolve("trace.json");
        TrainStepBench.run(setup("maple-mt", 2, 1, Precision.FP32, null, trace), out, QUIET);
        JsonNode json = new ObjectMapper().readTree(out.toFile());
        JsonNode flops = json.get("gflopPerStep");
        for (String tower : new String[] {"visionForward", "visionBackward", "textForward", "textBackward"}) {
            assertThat(flops.get(tower).asDouble()).as(tower).isPositive();
        }
        assertThat(flops.get("total").asDouble()).isCloseTo(flops.get("visionForward").asDouble()
                + flops.get("visionBackward").asDouble() + flops.get("textForward").asDouble()
                + flops.get("textBackward").asDouble(), org.assertj.core.api.Assertions.within(1e-9));
        assertThat(json.get("fractionOfGemm").asDouble()).isPositive();
        assertThat(json.get("precision").asText()).isEqualTo("fp32");
        assertThat(json.get("peakResidentMiB").asLong()).isPositive();
        assertThat(trace).isNotEmptyFile();
        JsonNode top = json.get("profileTopOps");
        assertThat(top).isNotEmpty();
        assertThat(top.findValuesAsText("op")).anyMatch(op -> op.contains("mm")); // the GEMMs are profiled
    }

    @Test
    void theTowersWorkCountsProjectionsOnceAndAttentionTwiceBackward() {
        // width 2, one layer, 3 tokens, one sequence: projections 24·3·2² = 288, scores and mixing 4·3²·2 = 72.
        assertThat(BenchResults.towerFlops(2, 1, 3, 1, false)).isEqualTo(288 + 72);
        assertThat(BenchResults.towerFlops(2, 1, 3, 1, true)).isEqualTo(288 + 2 * 72);
        assertThat(BenchResults.towerFlops(2, 4, 3, 5, false)).isEqualTo(20 * (288 + 72));
        // the image tower's last block: q, k, v for the 3 tokens (6·3·2² = 72), the rest for one row (18·2² = 72),
        // one query's scores and mixing (4·3·2 = 24)
        assertThat(BenchResults.imageTowerFlops(2, 1, 3, 1, false)).isEqualTo(72 + 72 + 24);
        assertThat(BenchResults.imageTowerFlops(2, 1, 3, 1, true)).isEqualTo(72 + 72 + 2 * 24);
        assertThat(BenchResults.imageTowerFlops(2, 4, 3, 5, false)).isEqualTo(15 * (288 + 72) + 5 * (72 + 72 + 24));
    }

    @Test
    void refusesAMethodWithNothingToTrain(@TempDir Path dir) {
        assertThatThrownBy(() -> TrainStepBench.run(setup("zero-shot", 1, 1, Precision.FP32, null, null),
                dir.resolve("x.json"), QUIET))
                .hasMessageContaining("zero-shot has nothing to train");
    }
}
