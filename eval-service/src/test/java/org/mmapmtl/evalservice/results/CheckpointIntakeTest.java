package org.mmapmtl.evalservice.results;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.EventTopic;
import org.mmapmtl.testing.InjectTopicProbe;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.testing.TopicProbe;

import java.time.Duration;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;

/**
 * The intake alone, with this instance's evaluator off: these records point at no real files (EvaluationTest scores
 * real ones), so an evaluator would fail them and add its own dead letters.
 */
@QuarkusTest
@io.quarkus.test.junit.TestProfile(CheckpointIntakeTest.EvaluatorOff.class)
@WithTestResource(LocalStackResource.class)
public class CheckpointIntakeTest {
    public static class EvaluatorOff implements io.quarkus.test.junit.QuarkusTestProfile {
        @Override
        public java.util.Map<String, String> getConfigOverrides() {
            return java.util.Map.of("mmap.eval.enabled", "false");
        }
    }

    static final List<String> TASKS = List.of("Art", "Clipart", "Product", "Real_World");
    static final String TOPIC = EventTopic.CHECKPOINTS.topicName();

    @InjectTopicProbe
    TopicProbe kafka;

    // relative to the management root, /q
    @io.quarkus.test.common.http.TestHTTPResource(value = "metrics", management = true)
    java.net.URL metrics;

    @io.quarkus.test.common.http.TestHTTPResource(value = "openapi", management = true)
    java.net.URL openapi;

    static Checkpoint checkpoint(String experiment, String run, int epoch) {
        return new Checkpoint(experiment, run, "mmap", 1, TASKS, List.of(List.of("Art", "Product"), List.of("Clipart", "Real_World")),
                epoch, epoch == 4, "file:///artifacts/" + run + "-e" + epoch + ".safetensors", "0f".repeat(32), 131_000);
    }

    void send(Checkpoint c) {
        kafka.send(TOPIC, c.experimentId(), EventCodecs.CHECKPOINT.encode(c));
    }

    void awaitCheckpoints(String experiment, int count) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/results/{id}", experiment).then().statusCode(200).body("checkpoints", hasSize(count)));
    }

    @Test
    void checkpointRecordIsPersistedAndServed() {
        send(checkpoint("exp-served", "exp-served.mmap.s1", 4));
        awaitCheckpoints("exp-served", 1);
        given().get("/results/{id}", "exp-served").then()
                .body("checkpoints[0].runId", equalTo("exp-served.mmap.s1"))
                .body("checkpoints[0].finalEpoch", equalTo(true))
                .body("checkpoints[0].trainableParams", equalTo(131_000))
                .body("checkpoints[0].groups[1]", equalTo(List.of("Clipart", "Real_World")))
                .body("checkpoints[0].evaluated", equalTo(false));
    }

    @Test
    void checkpointsComeAPageAtATimeBesideATableOfEachRunsNewest() {
        // 3 runs × 5 epochs: 15 checkpoints; nothing scored (evaluation is off here), so the table has no row yet
        for (int seed = 1; seed <= 3; seed++) {
            for (int epoch = 0; epoch <= 4; epoch++) {
                send(checkpoint("exp-paged", "exp-paged.mmap.s" + seed, epoch));
            }
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/results/{id}", "exp-paged").then().statusCode(200).body("checkpointsTotal", equalTo(15)));
        var first = given().get("/results/{id}?limit=4", "exp-paged").then().statusCode(200)
                .header("X-Total-Count", "15")
                .body("checkpoints", hasSize(4)).body("checkpointStatus.pending", equalTo(15))
                .body("checkpoints.epoch", equalTo(List.of(0, 1, 2, 3)))
                .body("rows", hasSize(0)).body("tasks", equalTo(TASKS))
                .extract();
        assertThat(first.header("Link")).contains("offset=4").contains("rel=\"next\"").doesNotContain("rel=\"prev\"");
        given().get("/results/{id}?limit=4&offset=12", "exp-paged").then().statusCode(200)
                .body("checkpoints", hasSize(3)).body("checkpoints.runId", everyItem(equalTo("exp-paged.mmap.s3")))
                .header("Link", org.hamcrest.Matchers.containsString("rel=\"prev\""));
        given().get("/results/{id}?limit=0", "exp-paged").then().statusCode(400)
                .contentType("application/problem+json").body("errors[0].field", equalTo("limit"));
    }

    @Test
    void sameCheckpointTwiceIsStoredOnce() {
        send(checkpoint("exp-dup", "exp-dup.mmap.s1", 0));
        send(checkpoint("exp-dup", "exp-dup.mmap.s1", 0));
        send(checkpoint("exp-dup", "exp-dup.mmap.s1", 1));
        awaitCheckpoints("exp-dup", 2);
        assertThat(QuarkusTransaction.requiringNew().call(() -> ReceivedCheckpoint.count("experimentId", "exp-dup")))
                .isEqualTo(2);
    }

    @Test
    void poisonRecordsGoToTheDeadLetterTopicWithAReasonAndTheNextRecordIsProcessed() throws Exception {
        kafka.send(TOPIC, "exp-poison", new byte[] {(byte) 0xff, 0x00, 0x13});
        ObjectNode bad = (ObjectNode) EventCodecs.json().readTree(EventCodecs.CHECKPOINT.encode(
                checkpoint("exp-poison", "exp-poison.mmap.s1", 0)));
        bad.put("schema", "mmap.checkpoint/9");
        kafka.send(TOPIC, "exp-poison", EventCodecs.json().writeValueAsBytes(bad));
        kafka.send(TOPIC, "other-key", EventCodecs.CHECKPOINT.encode(checkpoint("exp-poison", "exp-poison.mmap.s1", 0)));
        send(checkpoint("exp-poison", "exp-poison.mmap.s1", 1));

        awaitCheckpoints("exp-poison", 1);
        var dead = kafka.readUntil(EventTopic.CHECKPOINTS.deadLetterTopicName(),
                records -> records.stream().filter(r -> r.key().equals("exp-poison") || r.key().equals("other-key"))
                        .count() >= 3, Duration.ofSeconds(30));
        List<String> reasons = dead.stream().filter(r -> r.key().equals("exp-poison") || r.key().equals("other-key"))
                .map(r -> TopicProbe.header(r, "dead-letter-reason")).toList();
        // the two keys may sit in different partitions of the dead-letter topic: no order between them
        assertThat(reasons).satisfiesExactlyInAnyOrder(
                r -> assertThat(r).contains("not JSON"),
                r -> assertThat(r).contains("mmap.checkpoint/9"),
                r -> assertThat(r).contains("record key 'other-key'"));
        given().get("/results/{id}", "exp-poison").then().body("checkpoints[0].epoch", equalTo(1));
    }

    @Test
    void unknownExperimentAnswersProblemJson() {
        given().get("/results/{id}", "nope").then().statusCode(404).contentType("application/problem+json")
                .body("detail", containsString("nope"));
    }

    @Test
    void metricsAndTheApiDescriptionAreServedOnTheManagementPortOnly() {
        given().get("/q/metrics").then().statusCode(404);
        given().get("/q/openapi").then().statusCode(404);
        given().get(metrics).then().statusCode(200).body(org.hamcrest.Matchers.containsString("jvm_memory_used_bytes"));
        given().get(openapi).then().statusCode(200).body(org.hamcrest.Matchers.containsString("mmap-mtl eval-service"));
    }

    @Test
    void readinessIsUpAndCoversKafkaAndTheDatabase() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItems("SmallRye Reactive Messaging - readiness check",
                        "Database connections health check"));
    }
}
