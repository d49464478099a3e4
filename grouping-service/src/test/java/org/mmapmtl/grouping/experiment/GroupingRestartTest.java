package org.mmapmtl.grouping.experiment;

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
import org.mmapmtl.localstack.InjectTopicProbe;
import org.mmapmtl.localstack.LocalStackResource;
import org.mmapmtl.localstack.TopicProbe;

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
 * duplicates on both sides, and must end in exactly one partition.
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
        given().get("/groupings/{id}", EXPERIMENT).then().statusCode(200)
                .body("completeSnapshots", equalTo(List.of(0)));
        List<GradientSnapshot> all = stream();
        for (GradientSnapshot s : all.subList(3, all.size())) {
            kafka.send(EventTopic.GRADIENTS.topicName(), EXPERIMENT, EventCodecs.GRADIENT.encode(s));
        }
        // redelivered after the decision: must change nothing
        kafka.send(EventTopic.GRADIENTS.topicName(), EXPERIMENT, EventCodecs.GRADIENT.encode(all.get(8)));
        kafka.send(EventTopic.GRADIENTS.topicName(), EXPERIMENT, EventCodecs.GRADIENT.encode(all.get(0)));

        List<ConsumerRecord<String, byte[]>> first = kafka.readUntil(EventTopic.PARTITIONS.topicName(),
                records -> records.stream().anyMatch(r -> EXPERIMENT.equals(r.key())), Duration.ofSeconds(60));
        assertThat(first).filteredOn(r -> EXPERIMENT.equals(r.key())).hasSize(1);
        // give a wrongly repeated publication time to show up before counting
        List<ConsumerRecord<String, byte[]>> later = kafka.readUntil(EventTopic.PARTITIONS.topicName(),
                records -> false, Duration.ofSeconds(8));
        List<TaskPartition> partitions = later.stream().filter(r -> EXPERIMENT.equals(r.key()))
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
}
