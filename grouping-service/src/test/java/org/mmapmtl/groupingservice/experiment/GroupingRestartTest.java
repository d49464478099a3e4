package org.mmapmtl.groupingservice.experiment;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.EventTopic;
import org.mmapmtl.events.GradientSnapshot;
import org.mmapmtl.events.TaskPartition;
import org.mmapmtl.testing.InjectTopicProbe;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.testing.TopicProbe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

/**
 * Runs after {@link GradientIntakeTest} (Quarkus runs the default profile's tests first) under a profile of its own,
 * so Quarkus has restarted the service in between
 * while the broker and database kept their state: the stream begun before the restart is finished here, with
 * duplicates on both sides, and must end in exactly one partition. Run alone, it begins the stream itself (then
 * without a restart in between: the suite's run is the one that proves the restart).
 */
@QuarkusTest
@TestProfile(GroupingRestartTest.Restarted.class)
@WithTestResource(LocalStackResource.class)
class GroupingRestartTest {
    static final String EXPERIMENT = "exp-restart";
    static final List<String> TASKS = List.of("clipart", "painting", "sketch");

    /** Any profile of its own makes Quarkus stop the first application and start a new one. */
    public static class Restarted implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mmap.grouping.republish-every", "5s");
        }
    }

    @InjectTopicProbe
    TopicProbe kafka;

    @jakarta.inject.Inject
    PartitionPublisher publisher;

    /** clipart and painting pull the same way, sketch the other: the threshold objective must split them so. */
    static List<GradientSnapshot> stream() {
        List<GradientSnapshot> all = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            float wobble = 0.05f * s;
            all.add(new GradientSnapshot(EXPERIMENT, "clipart", TASKS, s, 3, 10L * s, new float[] {1, 0.1f + wobble, 0, 0.2f}));
            all.add(new GradientSnapshot(EXPERIMENT, "painting", TASKS, s, 3, 10L * s, new float[] {0.9f, 0.2f, wobble, 0.1f}));
            all.add(new GradientSnapshot(EXPERIMENT, "sketch", TASKS, s, 3, 10L * s, new float[] {-1, 0, 1, -wobble}));
        }
        return all;
    }

    @Test
    void streamFinishedAfterARestartEndsInExactlyOnePartition() {
        List<GradientSnapshot> all = stream();
        if (given().get("/groupings/{id}", EXPERIMENT).statusCode() == 404) {
            all.subList(0, 5).forEach(s -> kafka.send(EventTopic.GRADIENTS.topicName(), EXPERIMENT, EventCodecs.GRADIENT.encode(s)));
            await(() -> given().get("/groupings/{id}", EXPERIMENT).then().extract().path("completeSnapshots"), List.of(0));
        }
        given().get("/groupings/{id}", EXPERIMENT).then().statusCode(200)
                .body("completeSnapshots", equalTo(List.of(0)));
        for (GradientSnapshot s : all.subList(3, all.size())) {
            kafka.send(EventTopic.GRADIENTS.topicName(), EXPERIMENT, EventCodecs.GRADIENT.encode(s));
        }
        // redelivered after the decision: must change nothing
        kafka.send(EventTopic.GRADIENTS.topicName(), EXPERIMENT, EventCodecs.GRADIENT.encode(all.get(8)));
        kafka.send(EventTopic.GRADIENTS.topicName(), EXPERIMENT, EventCodecs.GRADIENT.encode(all.get(0)));

        kafka.readUntil(EventTopic.PARTITIONS.topicName(),
                records -> records.stream().anyMatch(r -> EXPERIMENT.equals(r.key())), Duration.ofSeconds(60));
        await(() -> given().get("/groupings/{id}", EXPERIMENT).then().extract().path("publishedAt") != null, true);
        // once acknowledged, neither the scheduler nor a restart's republish may send it again: run one now, then
        // put a marker behind it in the same partition (same key) and count what came before the marker
        publisher.republish();
        byte[] marker = ("marker-" + System.nanoTime()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        kafka.send(EventTopic.PARTITIONS.topicName(), EXPERIMENT, marker);
        List<ConsumerRecord<String, byte[]>> upToMarker = kafka.readUntil(EventTopic.PARTITIONS.topicName(),
                records -> records.stream().anyMatch(r -> java.util.Arrays.equals(r.value(), marker)), Duration.ofSeconds(60));
        List<TaskPartition> partitions = upToMarker.stream().filter(r -> EXPERIMENT.equals(r.key()))
                .filter(r -> !java.util.Arrays.equals(r.value(), marker))
                .map(r -> EventCodecs.PARTITION.decode(r.value())).toList();
        assertThat(partitions).hasSize(1);
        TaskPartition p = partitions.get(0);
        assertThat(p.groups()).containsExactly(List.of("clipart", "painting"), List.of("sketch"));
        assertThat(p.tasks()).isEqualTo(TASKS);
        assertThat(p.snapshotsUsed()).isEqualTo(3);
        assertThat(p.solver()).isEqualTo("exact");
        assertThat(p.affinity()[0][1]).isGreaterThan(0.9);
        assertThat(p.affinity()[0][2]).isLessThan(-0.5);
        given().get("/groupings/{id}", EXPERIMENT).then().statusCode(200)
                .body("completeSnapshots", equalTo(List.of(0, 1, 2)))
                .body("partition.groups[1]", equalTo(List.of("sketch")))
                .body("publishedAt", notNullValue());
    }

    private static <T> void await(java.util.function.Supplier<T> value, T expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!expected.equals(value.get())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("still not " + expected + " after 60 s: " + value.get());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
