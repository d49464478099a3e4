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

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two trainer processes (the packaged trainer-service jar, twice) on one database and one broker share an
 * experiment's runs: each run is trained by exactly one of them, once, and each (run, epoch) is announced once.
 */
class TwoTrainersTest {
    @TempDir
    Path state;

    @Test
    void twoTrainersOnOneDatabaseTrainEveryRunExactlyOnce() throws Exception {
        Path home = Path.of("..").toAbsolutePath().normalize();
        Path jar = home.resolve("trainer-service/target/quarkus-app/quarkus-run.jar");
        assertThat(jar).as("the trainer must be packaged before this test; run ./mvnw verify from the root").exists();
        Path data = state.resolve("data");
        SyntheticDomains.generate(data, 4, 4, 8, 11, 64);
        Path weights = state.resolve("tiny.safetensors");
        ClipInitializer.write(weights, ClipArchitecture.TINY, 7);

        List<ServiceProcess> trainers = new ArrayList<>();
        try (LocalStack stack = LocalStack.start(new LocalStack.Settings(0, 0, state.resolve("stack"), false));
             TopicProbe kafka = new TopicProbe(stack)) {
            Map<String, String> env = ServiceEnvironment.of(stack, state);
            for (String name : List.of("trainer-a", "trainer-b")) {
                trainers.add(ServiceProcess.launch(name, jar, UpCommandTest.freePort(), env, state.resolve("logs"), home));
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (!trainers.stream().allMatch(ServiceProcess::ready)) {
                assertThat(trainers).allMatch(ServiceProcess::alive);
                assertThat(System.nanoTime()).as("trainers ready within 3 minutes").isLessThan(deadline);
                Thread.sleep(500);
            }

            ServiceClient a = ServiceEnvironment.client(stack, trainers.get(0).url(), "trainer a");
            String spec = """
                    {"id": "shared", "dataset": {"root": "%s", "percent": 50}, "weights": "%s",
                     "methods": ["coop-mt", "vpt-mt"], "seeds": [1, 2, 3, 4],
                     "recipe": {"epochs": 2, "batchSize": 4, "augment": false}, "prompt": {"length": 2, "depth": 1}}
                    """.formatted(data, weights);
            a.post("/experiments", spec.getBytes(StandardCharsets.UTF_8), "application/json");
            JsonNode experiment = null;
            deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (System.nanoTime() < deadline) {
                experiment = a.get("/experiments/shared");
                if (experiment.path("phase").asText().equals("DONE") || experiment.path("phase").asText().equals("FAILED")) {
                    break;
                }
                Thread.sleep(1000);
            }
            String logs = DemoCommandTest.errors(state.resolve("logs"));
            assertThat(experiment.path("phase").asText()).as(experiment + "\n" + logs).isEqualTo("DONE");
            Set<String> owners = new HashSet<>();
            for (JsonNode run : experiment.path("runs")) {
                assertThat(run.path("attempts").asInt()).as(run + "\n--- service log errors:\n" + logs).isEqualTo(1);
                owners.add(run.path("owner").asText());
            }
            assertThat(experiment.path("runs")).hasSize(8);
            assertThat(owners).as("both trainers trained runs").hasSize(2);

            List<Checkpoint> records = new ArrayList<>();
            kafka.readUntil(EventTopic.CHECKPOINTS.topicName(), rs -> {
                records.clear();
                rs.stream().filter(r -> "shared".equals(r.key())).forEach(r -> records.add(EventCodecs.CHECKPOINT.decode(r.value())));
                return records.size() >= 16;
            }, Duration.ofSeconds(30));
            assertThat(records.stream().map(c -> c.runId() + "@" + c.epoch()).toList()).hasSize(16).doesNotHaveDuplicates();
        } finally {
            trainers.forEach(t -> t.stop(Duration.ofSeconds(20)));
        }
    }
}
