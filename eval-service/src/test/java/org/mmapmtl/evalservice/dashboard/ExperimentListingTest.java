package org.mmapmtl.evalservice.dashboard;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.EventTopic;
import org.mmapmtl.events.Progress;
import org.mmapmtl.testing.InjectTopicProbe;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.testing.TopicProbe;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * The listing's order is each experiment's last activity, kept as reports arrive: a newer report moves its experiment
 * to the top, a late one with an older time does not move it back.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class ExperimentListingTest {
    @InjectTopicProbe
    TopicProbe kafka;

    void report(String experiment, String run, Instant at) {
        Progress p = Progress.lifecycle(experiment, run, run == null ? null : "mmap", "phase-2", "running", "at " + at, at);
        kafka.send(EventTopic.PROGRESS.topicName(), experiment, EventCodecs.PROGRESS.encode(p));
    }

    /** The order of the given experiments in the listing's first page. */
    static List<String> order(List<String> experiments) {
        List<String> listed = given().get("/experiments?limit=500").then().statusCode(200).extract().jsonPath()
                .getList("experimentId", String.class);
        return listed.stream().filter(experiments::contains).toList();
    }

    @Test
    void newestActivityFirstAndALateOlderReportDoesNotMoveAnExperimentBack() {
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).plusSeconds(3600); // ahead of every other test's reports
        List<String> ids = List.of("listing-a", "listing-b");
        report("listing-a", null, now);
        report("listing-b", null, now.plusSeconds(10));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(order(ids)).containsExactly("listing-b", "listing-a"));
        given().get("/experiments?limit=1").then().body("[0].experimentId", equalTo("listing-b"))
                .body("[0].updatedAt", equalTo(now.plusSeconds(10).toString()));

        report("listing-a", "listing-a.mmap.s1", now.plusSeconds(20));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(order(ids)).containsExactly("listing-a", "listing-b"));

        report("listing-a", "listing-a.late.s1", now.minusSeconds(60)); // delivered late, written earlier
        report("listing-b", "listing-b.mmap.s1", now.plusSeconds(15));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/experiments/{id}/progress", "listing-b")
                .then().statusCode(200).body("runs.size()", equalTo(1)));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/experiments/{id}/progress", "listing-a")
                .then().statusCode(200).body("runs.size()", equalTo(2)));
        assertThat(order(ids)).containsExactly("listing-a", "listing-b");
    }
}
