package org.mmapmtl.bench;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmapmtl.clip.ClipArchitecture;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainStepBenchTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void timesTheTrainersStepAndWritesIt(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("train-step.json");
        TrainStepBench.run(ClipArchitecture.TINY, "mmap-mt", 2, 4, 2, Device.cpu(), out, QUIET);
        JsonNode json = new ObjectMapper().readTree(out.toFile());
        assertThat(json.get("method").asText()).isEqualTo("mmap-mt");
        assertThat(json.get("trainableParameters").asLong()).isPositive();
        assertThat(json.get("stepMs").asDouble()).isPositive();
        assertThat(json.get("imagesPerSecond").asDouble()).isPositive();
        assertThat(json.get("residentMiBAfterEachStep")).hasSize(3); // the warm-up step and two timed ones
    }

    @Test
    void refusesAMethodWithNothingToTrain(@TempDir Path dir) {
        assertThatThrownBy(() -> TrainStepBench.run(ClipArchitecture.TINY, "zero-shot", 2, 4, 1, Device.cpu(),
                dir.resolve("x.json"), QUIET))
                .hasMessageContaining("zero-shot has nothing to train");
    }
}
