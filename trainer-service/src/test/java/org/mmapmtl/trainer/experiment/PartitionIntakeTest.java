package org.mmapmtl.trainer.experiment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.EventTopic;
import org.mmapmtl.events.TaskPartition;
import org.mmapmtl.testing.InjectTopicProbe;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.testing.StackFaults;
import org.mmapmtl.testing.TopicProbe;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

@QuarkusTest
@WithTestResource(LocalStackResource.class)
class PartitionIntakeTest {
    static final List<String> TASKS = List.of("clipart", "painting", "real", "sketch");
    static final String TOPIC = EventTopic.PARTITIONS.topicName();

    @InjectTopicProbe
    TopicProbe kafka;

    // relative to the management root, /q
    @io.quarkus.test.common.http.TestHTTPResource(value = "metrics", management = true)
    java.net.URL metrics;

    @io.quarkus.test.common.http.TestHTTPResource(value = "openapi", management = true)
    java.net.URL openapi;

    static TaskPartition partition(String experiment, double score) {
        double[][] affinity = {{1, .3, .2, .1}, {.3, 1, .25, .05}, {.2, .25, 1, .02}, {.1, .05, .02, 1}};
        return new TaskPartition(experiment, TASKS, affinity,
                List.of(List.of("clipart", "painting", "real"), List.of("sketch")),
                "threshold(tau=0.153)", score, "exact", 4, Instant.parse("2026-11-23T08:00:00Z"));
    }

    void send(TaskPartition p) {
        kafka.send(TOPIC, p.experimentId(), EventCodecs.PARTITION.encode(p));
    }

    void awaitGrouped(String experiment) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/experiments/{id}", experiment).then().statusCode(200).body("phase", equalTo("GROUPED")));
    }

    @Test
    void partitionRecordIsPersistedAndServed() {
        send(partition("exp-served", 0.27));
        awaitGrouped("exp-served");
        given().get("/experiments/{id}", "exp-served").then().statusCode(200)
                .body("partition.groups[1]", equalTo(List.of("sketch")))
                .body("partition.solver", equalTo("exact"))
                .body("partition.decidedAt", equalTo("2026-11-23T08:00:00Z"))
                .body("partition.affinity[0][1]", equalTo(0.3f));
    }

    /**
     * grouping.phase1 per-seed: each seed's phase 1 sends under "id.sN" and its partition comes back so; each queues
     * that seed's phase 2 alone, and the experiment is grouped once every seed's partition is in.
     */
    @Test
    void perSeedPartitionsQueueTheirOwnSeedsPhaseTwo() {
        String id = "exp-per-seed";
        var spec = org.mmapmtl.trainer.spec.SpecReader.read(("{\"id\": \"" + id + "\", \"dataset\": {\"root\": \"no-such-data\", "
                + "\"percent\": 10, \"tasks\": [\"clipart\", \"painting\", \"real\", \"sketch\"]}, \"weights\": \"no-such.safetensors\", "
                + "\"methods\": [\"mmap\"], \"seeds\": [1, 2], \"grouping\": {\"phase1\": \"per-seed\"}}")
                .getBytes(StandardCharsets.UTF_8), false);
        QuarkusTransaction.requiringNew().run(() -> ExperimentsTestAccess.awaitingPartition(spec));
        send(partition(id + ".s2", 0.27));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/experiments/{id}", id).then()
                .body("partitionsBySeed.keySet()", hasItems("2")));
        given().get("/experiments/{id}", id).then().statusCode(200)
                .body("runs.runId", equalTo(List.of(id + ".mmap.s2.g0", id + ".mmap.s2.g1")))
                .body("runsAfterGrouping", equalTo(4)) // seed 1's: one per task at most
                .body("phase", org.hamcrest.Matchers.not(equalTo("GROUPED")));
        send(partition(id + ".s1", 0.3));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/experiments/{id}", id).then()
                .body("runs.runId", hasItems(id + ".mmap.s1.g0", id + ".mmap.s1.g1")).body("runsAfterGrouping", equalTo(0)));
        // the per-seed keys are this experiment's: no experiment of their own appears
        given().get("/experiments/{id}", id + ".s1").then().statusCode(404);
    }

    @Test
    void aPartitionArrivingWhileTheDatabaseIsDownIsStoredWhenItIsBack() throws Exception {
        long dead = kafka.count(EventTopic.PARTITIONS.deadLetterTopicName());
        double retried = StackFaults.retries(metrics, "PartitionIntake.receive");
        StackFaults.whilePostgresDown(Duration.ofSeconds(30), () -> send(partition("exp-outage", 0.27)),
                () -> StackFaults.retries(metrics, "PartitionIntake.receive") > retried);
        awaitGrouped("exp-outage");
        assertThat(kafka.count(EventTopic.PARTITIONS.deadLetterTopicName())).isEqualTo(dead);
    }

    @Test
    void samePartitionTwiceIsStoredOnceAndTheFirstWins() {
        send(partition("exp-dup", 0.27));
        send(partition("exp-dup", 0.99));
        send(partition("exp-dup-marker", 0.1));
        awaitGrouped("exp-dup-marker");
        assertThat(QuarkusTransaction.requiringNew().call(() -> ReceivedPartition.count("experimentId", "exp-dup")))
                .isEqualTo(1);
        given().get("/experiments/{id}", "exp-dup").then().body("partition.score", equalTo(0.27f));
    }

    @Test
    void poisonRecordsGoToTheDeadLetterTopicWithAReasonAndTheNextRecordIsProcessed() throws Exception {
        kafka.send(TOPIC, "exp-poison", "{not json".getBytes(StandardCharsets.UTF_8));
        ObjectNode future = (ObjectNode) EventCodecs.json().readTree(EventCodecs.PARTITION.encode(partition("exp-poison", 1)));
        future.put("schema", "mmap.partition/2");
        kafka.send(TOPIC, "exp-poison", EventCodecs.json().writeValueAsBytes(future));
        send(partition("exp-poison", 0.5));

        awaitGrouped("exp-poison");
        var dead = kafka.readUntil(EventTopic.PARTITIONS.deadLetterTopicName(),
                records -> records.stream().filter(r -> "exp-poison".equals(r.key())).count() >= 2, Duration.ofSeconds(30));
        List<String> reasons = dead.stream().filter(r -> "exp-poison".equals(r.key()))
                .map(r -> TopicProbe.header(r, "dead-letter-reason")).toList();
        assertThat(reasons).hasSize(2);
        assertThat(reasons.get(0)).contains("not JSON");
        assertThat(reasons.get(1)).contains("mmap.partition/2");
        given().get("/experiments/{id}", "exp-poison").then().body("partition.score", equalTo(0.5f));
    }

    @Test
    void everyKindOfCorruptRecordGoesToTheDeadLetterTopicOnceAndTheNextRecordIsProcessed() {
        var corrupt = org.mmapmtl.testing.CorruptRecords.from(EventCodecs.PARTITION.encode(partition("exp-corrupt", 1)),
                true, EventTopic.PARTITIONS.maxMessageBytes() - 4096, 20261130L);
        corrupt.forEach(c -> kafka.send(TOPIC, "exp-corrupt", c.value()));
        send(partition("exp-corrupt", 0.5));
        awaitGrouped("exp-corrupt");
        var dead = kafka.readUntil(EventTopic.PARTITIONS.deadLetterTopicName(),
                records -> records.stream().filter(r -> "exp-corrupt".equals(r.key())).count() >= corrupt.size(),
                Duration.ofSeconds(60)).stream().filter(r -> "exp-corrupt".equals(r.key())).toList();
        assertThat(dead).as("one dead letter per corrupt record: " + corrupt).hasSize(corrupt.size());
        assertThat(dead).allSatisfy(r -> assertThat(TopicProbe.header(r, "dead-letter-reason")).isNotBlank());
        given().get("/experiments/{id}", "exp-corrupt").then().body("partition.score", equalTo(0.5f));
    }

    @Test
    void unknownExperimentAnswersProblemJson() {
        given().get("/experiments/{id}", "nope").then().statusCode(404).contentType("application/problem+json")
                .body("detail", containsString("nope")).body("instance", equalTo("/experiments/nope"));
    }

    @Test
    void metricsAndTheApiDescriptionAreServedOnTheManagementPortOnly() {
        given().get("/q/metrics").then().statusCode(404);
        given().get("/q/openapi").then().statusCode(404);
        given().get(metrics).then().statusCode(200).body(org.hamcrest.Matchers.containsString("jvm_memory_used_bytes"));
        given().get(openapi).then().statusCode(200).body(org.hamcrest.Matchers.containsString("mmap-mtl trainer-service"));
    }

    @Test
    void readinessIsUpAndCoversKafkaAndTheDatabase() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItems("SmallRye Reactive Messaging - readiness check",
                        "Database connections health check"));
    }
}
