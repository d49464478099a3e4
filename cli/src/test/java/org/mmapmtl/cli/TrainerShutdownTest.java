package org.mmapmtl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmapmtl.clip.ClipArchitecture;
import org.mmapmtl.clip.ClipInitializer;
import org.mmapmtl.data.SyntheticDomains;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.EventTopic;
import org.mmapmtl.localstack.LocalStack;
import org.mmapmtl.testing.TopicProbe;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM to a trainer process in the middle of an epoch, as Kubernetes sends it: readiness goes DOWN while the process
 * still answers, the run stops after its step, writes a resume point and is handed back within the grace period; a
 * second trainer continues at that step, and the run's checkpoints are byte for byte those of a run never stopped.
 * Tagged {@code faults}: it runs with the fault-injection suite ({@code -Pfaults}, .ci/run), not in the default build.
 */
@org.junit.jupiter.api.Tag("faults")
class TrainerShutdownTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** Inside an epoch the run writes a resume point; on an epoch boundary its epoch checkpoint is that point. */
    private static final Pattern HANDED_BACK = Pattern.compile("handed back to the queue at step (\\d+) of (\\d+) "
            + "\\((?:resume point (resume-step-\\d+\\.safetensors)|it resumes from its newest checkpoint)\\)");

    @TempDir
    Path state;

    @Test
    void aTrainerStoppedMidEpochHandsItsRunBackAndTheRunEndsAsIfNeverStopped() throws Exception {
        Path home = Path.of("..").toAbsolutePath().normalize();
        Path jar = home.resolve("trainer-service/target/quarkus-app/quarkus-run.jar");
        assertThat(jar).as("the trainer must be packaged before this test; run ./mvnw verify from the root").exists();
        Path data = state.resolve("data");
        SyntheticDomains.generate(data, 2, 4, 24, 11, 64);
        Path weights = state.resolve("tiny.safetensors");
        ClipInitializer.write(weights, ClipArchitecture.TINY, 7);
        Path logs = state.resolve("logs");

        ServiceProcess first = null;
        ServiceProcess second = null;
        try (LocalStack stack = LocalStack.start(new LocalStack.Settings(0, 0, state.resolve("stack"), false));
             TopicProbe kafka = new TopicProbe(stack)) {
            Map<String, String> env = ServiceEnvironment.of(stack, state);
            env.put("MMAP_TRAINER_PROGRESS_INTERVAL", "100ms");
            // one libtorch thread: bit-identical arithmetic from one process to the next (as the services' own tests)
            env.put("JAVA_TOOL_OPTIONS", "-Dai.djl.pytorch.num_threads=1");
            env.put("QUARKUS_SHUTDOWN_DELAY", "2s");
            env.put("MMAP_TRAINER_SHUTDOWN_GRACE", "20s");

            first = ServiceProcess.launch("trainer-first", jar, UpCommandTest.freePort(), env, logs, home);
            awaitReady(first);
            ServiceClient client = ServiceEnvironment.client(stack, first.url(), "trainer");
            // 48 training images per task at batch 2: 24 steps an epoch, so a stop lands inside an epoch
            String spec = """
                    {"id": "%s", "dataset": {"root": "%s", "percent": 50}, "weights": "%s", "methods": ["coop-mt"],
                     "seeds": [1], "recipe": {"epochs": 2, "batchSize": 2, "augment": false},
                     "prompt": {"length": 2, "depth": 1}}
                    """;
            client.post("/experiments", spec.formatted("stopped", data, weights).getBytes(StandardCharsets.UTF_8),
                    "application/json");
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (true) {
                JsonNode run = client.get("/experiments/stopped").path("runs").path(0);
                if (run.path("step").asLong() >= 4 && run.path("epoch").asInt() == 1) {
                    break;
                }
                assertThat(run.path("epoch").asInt()).as("SIGTERM is sent in the first epoch: " + run).isLessThanOrEqualTo(1);
                assertThat(System.nanoTime()).as("training under way within 3 minutes").isLessThan(deadline);
                Thread.sleep(50);
            }

            long signalled = System.nanoTime();
            ProcessHandle firstProcess = ProcessHandle.of(first.pid()).orElseThrow();
            assertThat(firstProcess.destroy()).as("SIGTERM sent").isTrue();
            List<Integer> readiness = new ArrayList<>();
            String downBody = null;
            while (first.alive()) {
                try {
                    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(first.url() + "/q/health/ready"))
                            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                    readiness.add(r.statusCode());
                    if (r.statusCode() == 503 && downBody == null) {
                        downBody = r.body();
                    }
                } catch (java.io.IOException e) {
                    break; // the server has closed
                }
                Thread.sleep(100);
            }
            firstProcess.onExit().get(40, java.util.concurrent.TimeUnit.SECONDS);
            double stoppedAfter = (System.nanoTime() - signalled) / 1e9;
            String log = Files.readString(first.log);
            assertThat(readiness).as("readiness after SIGTERM while the process still answered").contains(503);
            assertThat(downBody).contains("\"trainer\"").contains("DOWN");
            assertThat(stoppedAfter).as("exit within the shutdown delay + grace").isLessThan(22);
            Matcher handedBack = HANDED_BACK.matcher(log);
            assertThat(handedBack.find()).as("the first trainer's log:\n" + tail(log)).isTrue();
            long stoppedAt = Long.parseLong(handedBack.group(1));
            // the signal is sent a few steps into the epoch; a step that took long may still carry it to the boundary
            assertThat(handedBack.group(3) == null).as("a resume point exactly when the stop is inside an epoch")
                    .isEqualTo(stoppedAt % 24 == 0);
            Path artifacts = state.resolve("artifacts").resolve("stopped");
            try (var files = Files.walk(artifacts)) {
                assertThat(files.map(p -> p.getFileName().toString()).toList())
                        .contains(handedBack.group(3) != null ? handedBack.group(3) : "epoch-" + stoppedAt / 24 + ".safetensors");
            }
            System.out.printf("SIGTERM at step >= 4: stopped at step %d of %s, its checkpoint written, run handed back, "
                    + "process gone %.1f s after the signal; readiness codes seen %s%n", stoppedAt, handedBack.group(2),
                    stoppedAfter, readiness);

            second = ServiceProcess.launch("trainer-second", jar, UpCommandTest.freePort(), env, logs, home);
            awaitReady(second);
            client = ServiceEnvironment.client(stack, second.url(), "trainer");
            JsonNode stopped = awaitDone(client, "stopped");
            assertThat(stopped.path("runs").path(0).path("attempts").asInt()).isEqualTo(2);
            String secondLog = Files.readString(second.log);
            assertThat(secondLog).as(tail(secondLog)).doesNotContain(" ERROR ");
            List<String> progress = new ArrayList<>();
            kafka.readUntil(EventTopic.PROGRESS.topicName(), rs -> {
                progress.clear();
                rs.forEach(r -> progress.add(new String(r.value(), StandardCharsets.UTF_8)));
                return progress.stream().anyMatch(p -> p.contains("resuming from " + handedBack.group(3)));
            }, Duration.ofSeconds(30));

            client.post("/experiments", spec.formatted("baseline", data, weights).getBytes(StandardCharsets.UTF_8),
                    "application/json");
            awaitDone(client, "baseline");
            Map<String, Map<Integer, String>> sha = new TreeMap<>();
            kafka.readUntil(EventTopic.CHECKPOINTS.topicName(), rs -> {
                sha.clear();
                for (var r : rs) {
                    Checkpoint c = EventCodecs.CHECKPOINT.decode(r.value());
                    sha.computeIfAbsent(c.experimentId(), k -> new TreeMap<>()).put(c.epoch(), c.sha256());
                }
                return sha.getOrDefault("stopped", Map.of()).size() == 2 && sha.getOrDefault("baseline", Map.of()).size() == 2;
            }, Duration.ofSeconds(30));
            assertThat(sha.get("stopped")).as("checkpoints of the stopped and resumed run vs one never stopped")
                    .isEqualTo(sha.get("baseline"));
        } finally {
            if (first != null) {
                first.stop(Duration.ofSeconds(20));
            }
            if (second != null) {
                second.stop(Duration.ofSeconds(20));
            }
        }
    }

    private static void awaitReady(ServiceProcess trainer) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!trainer.ready()) {
            assertThat(trainer.alive()).as(trainer.logTail(40)).isTrue();
            assertThat(System.nanoTime()).as("trainer ready within 3 minutes").isLessThan(deadline);
            Thread.sleep(300);
        }
    }

    private static JsonNode awaitDone(ServiceClient client, String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        JsonNode experiment;
        do {
            Thread.sleep(500);
            experiment = client.get("/experiments/" + id);
            assertThat(System.nanoTime()).as(experiment.toString()).isLessThan(deadline);
        } while (!experiment.path("phase").asText().equals("DONE") && !experiment.path("phase").asText().equals("FAILED"));
        assertThat(experiment.path("phase").asText()).as(experiment.toString()).isEqualTo("DONE");
        return experiment;
    }

    private static String tail(String log) {
        String[] lines = log.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 40), lines.length));
    }
}
