package org.mmapmtl.evalservice.results;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.EventTopic;
import org.mmapmtl.events.Progress;
import org.mmapmtl.events.TaskPartition;
import org.mmapmtl.testing.InjectTopicProbe;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.testing.StackFaults;
import org.mmapmtl.testing.TopicProbe;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

/**
 * Records that arrive while PostgreSQL is down are good records: each of the three intakes keeps its record and
 * stores it once the database is back, and none of them goes to a dead-letter topic (found in a fault run, where a
 * progress report met a PostgreSQL restart and was dead-lettered).
 */
@QuarkusTest
@TestProfile(CheckpointIntakeTest.EvaluatorOff.class)
@WithTestResource(LocalStackResource.class)
class DatabaseOutageTest {
    static final String ID = "db-outage";

    @InjectTopicProbe
    TopicProbe kafka;

    @io.quarkus.test.common.http.TestHTTPResource(value = "metrics", management = true)
    java.net.URL metrics;

    @Test
    void recordsArrivingWhileTheDatabaseIsDownAreStoredWhenItIsBack() throws Exception {
        List<EventTopic> topics = List.of(EventTopic.CHECKPOINTS, EventTopic.PROGRESS, EventTopic.PARTITIONS);
        Map<EventTopic, Long> deadBefore = deadLetters(topics);
        List<String> intakes = List.of("CheckpointIntake.receive", "BoardIntake.progress", "BoardIntake.partition");
        Map<String, Double> retried = new java.util.HashMap<>();
        intakes.forEach(i -> retried.put(i, StackFaults.retries(metrics, i)));
        // down until each intake has met the refused connection and retried (Fault Tolerance counts each retry)
        StackFaults.whilePostgresDown(Duration.ofSeconds(30), () -> {
            kafka.send(EventTopic.CHECKPOINTS.topicName(), ID, EventCodecs.CHECKPOINT.encode(
                    CheckpointIntakeTest.checkpoint(ID, ID + ".mmap.s1", 1)));
            kafka.send(EventTopic.PROGRESS.topicName(), ID, EventCodecs.PROGRESS.encode(Progress.lifecycle(
                    ID, ID + ".mmap.s1", "mmap", "phase-2", "running", "started", Instant.now())));
            kafka.send(EventTopic.PARTITIONS.topicName(), ID, EventCodecs.PARTITION.encode(new TaskPartition(ID,
                    CheckpointIntakeTest.TASKS, new double[][] {{1, 0.5, 0, 0}, {0.5, 1, 0, 0}, {0, 0, 1, 0.5}, {0, 0, 0.5, 1}},
                    List.of(List.of("Art", "Clipart"), List.of("Product", "Real_World")), "threshold(tau=0.0)", 1.0,
                    "exact", 4, Instant.now())));
        }, () -> intakes.stream().allMatch(i -> StackFaults.retries(metrics, i) > retried.get(i)));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            given().get("/results/{id}", ID).then().statusCode(200).body("checkpoints", hasSize(1));
            given().get("/experiments/{id}/progress", ID).then().statusCode(200).body("runs", hasSize(1));
            given().get("/experiments/{id}/partition", ID).then().statusCode(200)
                    .body("groups[0]", equalTo(List.of("Art", "Clipart")));
        });
        assertThat(deadLetters(topics)).isEqualTo(deadBefore);

        // the intakes read on
        kafka.send(EventTopic.PROGRESS.topicName(), ID, EventCodecs.PROGRESS.encode(Progress.lifecycle(
                ID, ID + ".mmap.s1", "mmap", "phase-2", "done", "done", Instant.now())));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/experiments/{id}/progress", ID).then()
                .body("runs[0].state", equalTo("done")));
    }

    Map<EventTopic, Long> deadLetters(List<EventTopic> topics) {
        Map<EventTopic, Long> counts = new java.util.EnumMap<>(EventTopic.class);
        topics.forEach(t -> counts.put(t, kafka.count(t.deadLetterTopicName())));
        return counts;
    }
}
