package org.mmapmtl.trainer.experiment;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.EventTopic;
import org.mmapmtl.testing.InjectTopicProbe;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.testing.TopicProbe;
import org.mmapmtl.train.CheckpointFile;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * After {@link RunTakeoverTest}: the trainer that was training the run stopped, handed it back, and this new
 * application resumes it from its last epoch checkpoint. It ends with every epoch announced (a repeat only as the same
 * announcement), each file equal byte for byte (sha256) to the same spec submitted again and trained without
 * interruption.
 */
@QuarkusTest
@TestProfile(RunTakeoverResumedTest.Restarted.class)
@WithTestResource(LocalStackResource.class)
class RunTakeoverResumedTest {
    static final String REFERENCE = "takeover-ref";

    public static class Restarted implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mmap.trainer.poll", "100ms");
        }
    }

    @InjectTopicProbe
    TopicProbe kafka;

    @Test
    void theRestartedTrainerResumesTheRunAndEndsWithTheSameCheckpoints() {
        given().contentType(ContentType.JSON).body(TestWorld.spec(REFERENCE, "[\"coop-mt\"]", RunTakeoverTest.EPOCHS))
                .post("/experiments").then().statusCode(201);
        for (String id : List.of(RunTakeoverTest.ID, REFERENCE)) {
            await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                    given().get("/experiments/{id}", id).then().body("phase", equalTo("DONE")));
        }
        given().get("/experiments/{id}", RunTakeoverTest.ID).then()
                // at least the first trainer's and this one's; RunClaimsTest's claim loop may take it once in between
                .body("runs[0].attempts", org.hamcrest.Matchers.greaterThanOrEqualTo(2)).body("runs[0].state", equalTo("done"));

        List<Checkpoint> resumed = records(RunTakeoverTest.ID);
        List<Checkpoint> straight = records(REFERENCE);
        assertThat(resumed).extracting(Checkpoint::epoch).doesNotHaveDuplicates().hasSize(RunTakeoverTest.EPOCHS);
        assertThat(straight).hasSize(RunTakeoverTest.EPOCHS);
        for (int e = 1; e <= RunTakeoverTest.EPOCHS; e++) {
            Checkpoint a = find(resumed, e);
            Checkpoint b = find(straight, e);
            assertThat(a.sha256()).as("epoch %d", e).isEqualTo(b.sha256());
            assertThat(CheckpointFile.sha256(Path.of(URI.create(a.uri())))).isEqualTo(a.sha256());
            assertThat(Path.of(URI.create(a.uri()))).isNotEqualTo(Path.of(URI.create(b.uri())));
        }
    }

    /**
     * One record per epoch. Delivery is at least once (a trainer stopped between the broker's acknowledgement and its
     * commit sends the record again; the evaluator ignores a run and epoch it holds), so a repeat is allowed only as
     * the very same announcement: same run, file and digest.
     */
    List<Checkpoint> records(String experiment) {
        List<Checkpoint> all = new ArrayList<>();
        kafka.readUntil(EventTopic.CHECKPOINTS.topicName(), rs -> {
            all.clear();
            rs.stream().filter(r -> experiment.equals(r.key())).forEach(r -> all.add(EventCodecs.CHECKPOINT.decode(r.value())));
            return all.stream().map(Checkpoint::epoch).distinct().count() >= RunTakeoverTest.EPOCHS;
        }, Duration.ofSeconds(30));
        Map<Integer, Checkpoint> byEpoch = new TreeMap<>();
        for (Checkpoint c : all) {
            Checkpoint first = byEpoch.putIfAbsent(c.epoch(), c);
            if (first != null) {
                assertThat(List.of(c.runId(), c.uri(), c.sha256())).as("epoch %d announced twice, differently", c.epoch())
                        .isEqualTo(List.of(first.runId(), first.uri(), first.sha256()));
            }
        }
        return new ArrayList<>(byEpoch.values());
    }

    static Checkpoint find(List<Checkpoint> records, int epoch) {
        return records.stream().filter(c -> c.epoch() == epoch).findFirst().orElseThrow();
    }
}
