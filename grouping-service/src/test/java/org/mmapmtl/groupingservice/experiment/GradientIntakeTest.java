package org.mmapmtl.groupingservice.experiment;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.EventTopic;
import org.mmapmtl.events.GradientSnapshot;
import org.mmapmtl.events.TaskPartition;
import org.mmapmtl.testing.InjectTopicProbe;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.testing.StackFaults;
import org.mmapmtl.testing.TopicProbe;
import org.mmapmtl.safetensors.Safetensors;
import org.mmapmtl.safetensors.Tensor;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

@QuarkusTest
@WithTestResource(LocalStackResource.class)
class GradientIntakeTest {
    static final List<String> TASKS = List.of("Art", "Clipart");
    static final String TOPIC = EventTopic.GRADIENTS.topicName();

    @InjectTopicProbe
    TopicProbe kafka;

    // relative to the management root, /q
    @io.quarkus.test.common.http.TestHTTPResource(value = "metrics", management = true)
    java.net.URL metrics;

    @io.quarkus.test.common.http.TestHTTPResource(value = "openapi", management = true)
    java.net.URL openapi;

    static GradientSnapshot snapshot(String experiment, String task, int index) {
        return new GradientSnapshot(experiment, task, TASKS, index, 3, 10L * index, new float[] {index, -1f, 0.5f, 2f});
    }

    void send(GradientSnapshot s) {
        kafka.send(TOPIC, s.experimentId(), EventCodecs.GRADIENT.encode(s));
    }

    void awaitReceived(String experiment, String task, int snapshot) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/groupings/{id}", experiment).then().statusCode(200)
                        .body("received." + task, hasItems(snapshot)));
    }

    /** Snapshots stored and still waiting for the other tasks of their index. */
    static long stored(String experiment) {
        return QuarkusTransaction.requiringNew().call(() -> ReceivedSnapshot.count("experimentId", experiment));
    }

    @Test
    void firstHalfOfAStreamThatGroupingRestartTestFinishes() {
        List<GradientSnapshot> firstHalf = GroupingRestartTest.stream().subList(0, 5);
        firstHalf.forEach(this::send);
        send(firstHalf.get(1));
        GradientSnapshot last = firstHalf.get(firstHalf.size() - 1);
        awaitReceived(last.experimentId(), last.task(), last.snapshot());
        given().get("/groupings/{id}", GroupingRestartTest.EXPERIMENT).then()
                .body("completeSnapshots", equalTo(List.of(0))).body("partition", equalTo(null));
    }

    @Test
    void snapshotRecordIsPersistedAndServed() {
        send(snapshot("exp-served", "Art", 0));
        awaitReceived("exp-served", "Art", 0);

        given().get("/groupings/{id}", "exp-served").then().statusCode(200)
                .body("tasks", equalTo(TASKS)).body("snapshots", equalTo(3)).body("dimension", equalTo(4))
                .body("completeSnapshots", equalTo(List.of())).body("partition", equalTo(null));
        ReceivedSnapshot stored = QuarkusTransaction.requiringNew()
                .call(() -> ReceivedSnapshot.find("exp-served", "Art", 0).orElseThrow());
        assertThat(stored.gradientValues()).containsExactly(0f, -1f, 0.5f, 2f);
    }

    @Test
    void aSnapshotArrivingWhileTheDatabaseIsDownIsStoredWhenItIsBack() throws Exception {
        long dead = kafka.count(EventTopic.GRADIENTS.deadLetterTopicName());
        double retried = StackFaults.retries(metrics, "GradientIntake.receive");
        StackFaults.whilePostgresDown(Duration.ofSeconds(30), () -> send(snapshot("exp-outage", "Art", 0)),
                () -> StackFaults.retries(metrics, "GradientIntake.receive") > retried);
        awaitReceived("exp-outage", "Art", 0);
        assertThat(kafka.count(EventTopic.GRADIENTS.deadLetterTopicName())).isEqualTo(dead);
    }

    @Test
    void duplicateSnapshotIsStoredOnce() {
        send(snapshot("exp-dup", "Art", 1));
        send(snapshot("exp-dup", "Art", 1));
        send(snapshot("exp-dup", "Clipart", 2));
        awaitReceived("exp-dup", "Clipart", 2);
        assertThat(stored("exp-dup")).isEqualTo(2);
    }

    @Test
    void poisonRecordsGoToTheDeadLetterTopicWithAReasonAndTheNextRecordIsProcessed() {
        kafka.send(TOPIC, "exp-poison", "\u0001 garbage bytes".getBytes(StandardCharsets.UTF_8));
        kafka.send(TOPIC, "exp-poison", Safetensors.write(Map.of("grad", Tensor.vector(new float[] {1})),
                Map.of("schema", "mmap.gradient/2", "experiment", "exp-poison")));
        send(snapshot("exp-poison", "Clipart", 2));

        awaitReceived("exp-poison", "Clipart", 2);
        List<ConsumerRecord<String, byte[]>> dead = kafka.readUntil(EventTopic.GRADIENTS.deadLetterTopicName(),
                records -> records.stream().filter(r -> "exp-poison".equals(r.key())).count() >= 2, Duration.ofSeconds(30));
        List<String> reasons = dead.stream().filter(r -> "exp-poison".equals(r.key()))
                .map(r -> TopicProbe.header(r, "dead-letter-reason")).toList();
        assertThat(reasons).hasSize(2);
        assertThat(reasons.get(0)).contains("mmap.gradient/1");
        assertThat(reasons.get(1)).contains("mmap.gradient/2").contains("upgrade the consumer");
        assertThat(stored("exp-poison")).isEqualTo(1);
    }

    @Test
    void everyKindOfCorruptRecordGoesToTheDeadLetterTopicOnceAndTheNextRecordIsProcessed() {
        var corrupt = org.mmapmtl.testing.CorruptRecords.from(EventCodecs.GRADIENT.encode(snapshot("exp-corrupt", "Art", 0)),
                false, EventTopic.GRADIENTS.maxMessageBytes() - 4096, 20261130L);
        corrupt.forEach(c -> kafka.send(TOPIC, "exp-corrupt", c.value()));
        send(snapshot("exp-corrupt", "Clipart", 1));
        awaitReceived("exp-corrupt", "Clipart", 1);
        List<ConsumerRecord<String, byte[]>> dead = kafka.readUntil(EventTopic.GRADIENTS.deadLetterTopicName(),
                records -> records.stream().filter(r -> "exp-corrupt".equals(r.key())).count() >= corrupt.size(),
                Duration.ofSeconds(60)).stream().filter(r -> "exp-corrupt".equals(r.key())).toList();
        assertThat(dead).as("one dead letter per corrupt record: " + corrupt).hasSize(corrupt.size());
        assertThat(dead).allSatisfy(r -> assertThat(TopicProbe.header(r, "dead-letter-reason")).isNotBlank());
        assertThat(stored("exp-corrupt")).isEqualTo(1);
    }

    @Test
    void snapshotContradictingItsExperimentIsDeadLettered() {
        send(snapshot("exp-conflict", "Art", 0));
        kafka.send(TOPIC, "exp-conflict", EventCodecs.GRADIENT.encode(
                new GradientSnapshot("exp-conflict", "Clipart", TASKS, 0, 3, 0, new float[] {1, 2})));
        send(snapshot("exp-conflict", "Clipart", 1));
        awaitReceived("exp-conflict", "Clipart", 1);

        var dead = kafka.readUntil(EventTopic.GRADIENTS.deadLetterTopicName(),
                records -> records.stream().anyMatch(r -> "exp-conflict".equals(r.key())), Duration.ofSeconds(30));
        assertThat(dead).filteredOn(r -> "exp-conflict".equals(r.key())).singleElement()
                .extracting(r -> TopicProbe.header(r, "dead-letter-reason")).asString().contains("2 values").contains("4");
        assertThat(stored("exp-conflict")).isEqualTo(2);
    }

    @Test
    void anExperimentsOwnGroupingSettingsDecideItsPartition() {
        // the same gradients; the service's own objective (threshold) would put both tasks together
        for (String objective : List.of("singletons", "all-in-one")) {
            String id = "exp-own-" + objective;
            GradientSnapshot.Grouping grouping = new GradientSnapshot.Grouping(objective, null, null, "cosine");
            for (String task : TASKS) {
                send(new GradientSnapshot(id, task, TASKS, 0, 1, 5, new float[] {1f, 0.9f, 0.1f}, grouping));
            }
        }
        // a decision may be sent twice (the scheduled republish can race the intake's own send): wait for both keys
        var partitions = kafka.readUntil(EventTopic.PARTITIONS.topicName(), records -> records.stream()
                .map(r -> r.key()).filter(k -> k.startsWith("exp-own-")).distinct().count() >= 2,
                Duration.ofSeconds(30));
        java.util.Map<String, TaskPartition> byId = new java.util.HashMap<>();
        partitions.stream().filter(r -> r.key().startsWith("exp-own-"))
                .forEach(r -> byId.put(r.key(), EventCodecs.PARTITION.decode(r.value())));
        assertThat(byId.get("exp-own-singletons").groups()).containsExactly(List.of("Art"), List.of("Clipart"));
        assertThat(byId.get("exp-own-all-in-one").groups()).containsExactly(TASKS);
    }

    /**
     * The affinity is the mean over snapshots of each snapshot's cosine, not the cosine of the tasks' mean gradients:
     * at snapshot 0 the two tasks agree (cosine 1), at snapshot 1 they are orthogonal (cosine 0) with gradients a
     * hundred times larger, so the mean of the cosines is 0.5 while the cosine of the mean gradients is about 0.01.
     */
    @Test
    void theAffinityIsTheMeanOfEachSnapshotsCosineNotTheCosineOfTheMeanGradient() {
        String id = "exp-mean-of-cosines";
        GradientSnapshot.Grouping grouping = new GradientSnapshot.Grouping("threshold", null, null, "cosine");
        send(new GradientSnapshot(id, "Art", TASKS, 0, 2, 5, new float[] {1f, 0f}, grouping));
        send(new GradientSnapshot(id, "Clipart", TASKS, 0, 2, 5, new float[] {1f, 0f}, grouping));
        send(new GradientSnapshot(id, "Art", TASKS, 1, 2, 10, new float[] {0f, 100f}, grouping));
        send(new GradientSnapshot(id, "Clipart", TASKS, 1, 2, 10, new float[] {100f, 0f}, grouping));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/groupings/{id}", id).then()
                .statusCode(200).body("completeSnapshots", equalTo(List.of(0, 1))));
        List<List<Number>> affinity = given().get("/groupings/{id}", id).then().extract().jsonPath().getList("affinity");
        assertThat(affinity.get(0).get(1).doubleValue()).isCloseTo(0.5, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(affinity.get(1).get(0).doubleValue()).isCloseTo(0.5, org.assertj.core.api.Assertions.within(1e-9));
        double cosineOfMeans = (0.5 * 50.5) / (Math.hypot(0.5, 50) * 50.5);
        assertThat(cosineOfMeans).isLessThan(0.02); // what the other reading would have served
    }

    @Test
    void snapshotsAskingForAnotherGroupingThanTheirExperimentAreDeadLettered() {
        GradientSnapshot.Grouping k2 = new GradientSnapshot.Grouping("k", 2, null, "cosine");
        send(new GradientSnapshot("exp-other-grouping", "Art", TASKS, 0, 2, 5, new float[] {1f, 2f}, k2));
        send(new GradientSnapshot("exp-other-grouping", "Clipart", TASKS, 0, 2, 5, new float[] {1f, 2f}, null));
        var dead = kafka.readUntil(EventTopic.GRADIENTS.deadLetterTopicName(),
                records -> records.stream().anyMatch(r -> "exp-other-grouping".equals(r.key())), Duration.ofSeconds(30));
        assertThat(dead).filteredOn(r -> "exp-other-grouping".equals(r.key())).singleElement()
                .extracting(r -> TopicProbe.header(r, "dead-letter-reason")).asString().contains("asks for grouping");
    }

    @Test
    void unknownExperimentAnswersProblemJson() {
        given().get("/groupings/{id}", "never-seen").then().statusCode(404)
                .contentType("application/problem+json")
                .body("status", equalTo(404)).body("detail", org.hamcrest.Matchers.containsString("never-seen"));
    }

    @Test
    void metricsAndTheApiDescriptionAreServedOnTheManagementPortOnly() {
        given().get("/q/metrics").then().statusCode(404);
        given().get("/q/openapi").then().statusCode(404);
        given().get(metrics).then().statusCode(200).body(org.hamcrest.Matchers.containsString("jvm_memory_used_bytes"));
        given().get(openapi).then().statusCode(200).body(org.hamcrest.Matchers.containsString("mmap-mtl grouping-service"));
    }

    @Test
    void readinessIsUpAndCoversKafkaAndTheDatabase() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItems("SmallRye Reactive Messaging - readiness check",
                        "Database connections health check"));
    }
}
