package org.mmapmtl.evalservice.results;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;
import org.mmapmtl.evalservice.dashboard.ReceivedPartition;
import org.mmapmtl.evalservice.dashboard.RunProgress;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.EventTopic;
import org.mmapmtl.events.Progress;
import org.mmapmtl.events.TaskPartition;
import org.mmapmtl.testing.CorruptRecords;
import org.mmapmtl.testing.InjectTopicProbe;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.testing.TopicProbe;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every kind of corrupt record ({@link CorruptRecords}) on each of the three topics this service reads: each lands in
 * the topic's dead-letter topic once, with a reason, and the valid record after them is processed.
 */
@QuarkusTest
@TestProfile(CheckpointIntakeTest.EvaluatorOff.class)
@WithTestResource(LocalStackResource.class)
class CorruptRecordsTest {
    @InjectTopicProbe
    TopicProbe kafka;

    void injectThenValid(EventTopic topic, String key, byte[] valid, boolean json, BooleanSupplier processed) {
        List<CorruptRecords.Corrupt> corrupt = CorruptRecords.from(valid, json, topic.maxMessageBytes() - 4096, 20261130L);
        corrupt.forEach(c -> kafka.send(topic.topicName(), key, c.value()));
        kafka.send(topic.topicName(), key, valid);
        await().atMost(Duration.ofSeconds(60)).until(processed::getAsBoolean);
        var dead = kafka.readUntil(topic.deadLetterTopicName(),
                records -> records.stream().filter(r -> key.equals(r.key())).count() >= corrupt.size(),
                Duration.ofSeconds(60)).stream().filter(r -> key.equals(r.key())).toList();
        assertThat(dead).as(topic + ": one dead letter per corrupt record " + corrupt).hasSize(corrupt.size());
        assertThat(dead).allSatisfy(r -> assertThat(TopicProbe.header(r, "dead-letter-reason")).isNotBlank());
    }

    @Test
    void checkpoints() {
        injectThenValid(EventTopic.CHECKPOINTS, "exp-corrupt-c", EventCodecs.CHECKPOINT.encode(
                        CheckpointIntakeTest.checkpoint("exp-corrupt-c", "exp-corrupt-c.mmap.s1", 1)), true,
                () -> QuarkusTransaction.requiringNew().call(() -> ReceivedCheckpoint.count("experimentId", "exp-corrupt-c")) == 1);
    }

    @Test
    void progress() {
        injectThenValid(EventTopic.PROGRESS, "exp-corrupt-p", EventCodecs.PROGRESS.encode(Progress.lifecycle("exp-corrupt-p",
                        "exp-corrupt-p.coop.s1", "coop", "single", "running", "run running", Instant.now())), true,
                () -> QuarkusTransaction.requiringNew().call(() -> RunProgress.count("experimentId", "exp-corrupt-p")) >= 1);
    }

    @Test
    void partitions() {
        List<String> tasks = List.of("a", "b");
        injectThenValid(EventTopic.PARTITIONS, "exp-corrupt-g", EventCodecs.PARTITION.encode(new TaskPartition(
                        "exp-corrupt-g", tasks, new double[][] {{1, .2}, {.2, 1}}, List.of(tasks), "threshold(tau=0.00000)",
                        0.2, "exact", 2, Instant.parse("2026-11-30T08:00:00Z"))), true,
                () -> QuarkusTransaction.requiringNew().call(() -> ReceivedPartition.findById("exp-corrupt-g")) != null);
    }
}
