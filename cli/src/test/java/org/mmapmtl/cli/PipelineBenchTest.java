package org.mmapmtl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The load harness on a small load: the packaged services on the local stack. The read side: every experiment
 * submitted and taken in, more dashboard streams than a service with a poll per stream allowed, all open and all told
 * of changes, no request failing. The write side: real experiments trained and scored by two evaluators under
 * dashboard streams and progress followers, nothing lost. Those tests are tagged load: they need the packaged services
 * (./mvnw verify -Pload -pl cli -am -Dgroups=load).
 */
class PipelineBenchTest {
    @TempDir
    Path state;

    @Test
    @Tag("load")
    void fourExperimentsAndSixtyFourStreamsLoseNothing() throws Exception {
        Path home = Path.of("..").toAbsolutePath().normalize();
        assertThat(home.resolve("eval-service/target/quarkus-app/quarkus-run.jar"))
                .as("the services must be packaged first").exists();
        List<Integer> ports = freePorts(5);
        Path out = state.resolve("pipeline.json");
        int code = new PipelineBench(new PipelineBench.Settings(home, state.resolve("run"), new LocalServices.Ports(
                ports.get(0), ports.get(1), ports.get(2), ports.get(3), ports.get(4)), 4, 2, 10, 2, List.of(64), 10, 20,
                List.of(), List.of(1), out)).run();
        assertThat(code).isZero();
        JsonNode result = ServiceClient.JSON.readTree(out.toFile());
        assertThat(result.path("submit").path("errors").asInt()).as("refused submissions").isZero();
        JsonNode level = result.path("levels").get(0);
        assertThat(level.path("streamsOpen").asInt()).isEqualTo(64);
        assertThat(level.path("streamsRefused").asInt()).isZero();
        assertThat(level.path("changeEvents").asLong()).as("each stream's first event at least").isGreaterThanOrEqualTo(64);
        for (JsonNode latency : level.path("latencies")) {
            assertThat(latency.path("errors").asInt()).as(latency.path("request").asText()).isZero();
            assertThat(latency.path("count").asInt()).isEqualTo(10);
        }
    }

    @Test
    @Tag("load")
    void realExperimentsUnderStreamsWithTwoEvaluatorsLoseNothing() throws Exception {
        Path home = Path.of("..").toAbsolutePath().normalize();
        assertThat(home.resolve("trainer-service/target/quarkus-app/quarkus-run.jar"))
                .as("the services must be packaged first").exists();
        List<Integer> ports = freePorts(5);
        Path out = state.resolve("throughput.json");
        int code = new PipelineBench(new PipelineBench.Settings(home, state.resolve("run"), new LocalServices.Ports(
                ports.get(0), ports.get(1), ports.get(2), ports.get(3), ports.get(4)), 2, 1, 1, 1, List.of(40), 1, 1,
                List.of(1), List.of(2), out)).run();
        assertThat(code).as("the harness's own verdict: nothing lost").isZero();
        JsonNode level = ServiceClient.JSON.readTree(out.toFile()).path("levels").get(0);
        assertThat(level.path("evaluators").asInt()).isEqualTo(2);
        assertThat(level.path("failedExperiments").asInt()).isZero();
        assertThat(level.path("deadLetters").asLong()).isZero();
        assertThat(level.path("evaluationsPerCheckpoint").asDouble()).as("each checkpoint scored once").isEqualTo(1.0);
        assertThat(level.path("streamsOpen").asInt()).isEqualTo(40);
        assertThat(level.path("followersOpen").asInt()).isEqualTo(40);
        assertThat(level.path("followersInexact").asInt()).as("followers not told every report once, in order").isZero();
        assertThat(level.path("followerReports").asLong()).isPositive()
                .isEqualTo(level.path("followerReportsLogged").asLong());
        for (JsonNode latency : level.path("requests")) {
            assertThat(latency.path("errors").asInt()).as(latency.path("request").asText()).isZero();
        }
    }

    @Test
    void percentilesAreTakenFromTheSortedSample() {
        double[] sorted = new double[100];
        for (int i = 0; i < 100; i++) {
            sorted[i] = i + 1;
        }
        assertThat(PipelineBench.percentile(sorted, 0.5)).isEqualTo(50);
        assertThat(PipelineBench.percentile(sorted, 0.99)).isEqualTo(99);
        assertThat(PipelineBench.percentile(new double[] {7}, 0.99)).isEqualTo(7);
        assertThat(PipelineBench.levels("0, 50,200")).containsExactly(0, 50, 200);
    }

    private static List<Integer> freePorts(int n) {
        java.util.Set<Integer> ports = new java.util.LinkedHashSet<>();
        while (ports.size() < n) {
            ports.add(org.mmapmtl.localstack.FreePorts.any());
        }
        return List.copyOf(ports);
    }
}
