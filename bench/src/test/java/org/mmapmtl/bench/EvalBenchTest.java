package org.mmapmtl.bench;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmapmtl.clip.ClipArchitecture;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class EvalBenchTest {
    @Test
    void timesScoringABatchAgainstEveryClassAndWritesIt(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("eval.json");
        EvalBench.run(ClipArchitecture.TINY, "zero-shot", 4, 5, 2, Device.cpu(), out,
                new PrintStream(OutputStream.nullOutputStream()));
        JsonNode json = new ObjectMapper().readTree(out.toFile());
        assertThat(json.get("method").asText()).isEqualTo("zero-shot");
        assertThat(json.get("classes").asInt()).isEqualTo(5);
        assertThat(json.get("batchMs").asDouble()).isPositive();
        assertThat(json.get("imagesPerSecond").asDouble()).isPositive();
    }
}
