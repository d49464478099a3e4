package org.mmapmtl.evalservice.dashboard;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
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
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * (The default profile, as DashboardTest's: the two share one application.) A long run's curve as the board serves it: thinned by the database to at most {@link Boards#CURVE_POINTS} points
 * spread over every step, from the first report of each step (a resumed run reports steps again), ending at its last.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class LossCurvesTest {
    static final String ID = "long-curve";
    static final int STEPS = 600;

    @InjectTopicProbe
    TopicProbe kafka;

    /**
     * A step report whose gradient norm, 100/step, was clipped (at 10) on the first ten steps, all of one epoch: the
     * epoch's clipped share so far is min(step, 10)/step.
     */
    void report(long step, double loss, Instant at) {
        kafka.send(EventTopic.PROGRESS.topicName(), ID, EventCodecs.PROGRESS.encode(new Progress(ID, ID + ".mmap.s1",
                "mmap", "phase-2", "running", step, STEPS, 1, 1, loss, loss, null, null, 0.002, 100.0 / step, step <= 10,
                Math.min(step, 10) / (double) step, 50.0, 1000L, null, at)));
    }

    @Test
    void aLongRunsCurveIsThinnedOverAllItsStepsFromTheFirstReportOfEach() {
        Instant t = Instant.parse("2026-11-30T10:00:00Z");
        for (int step = 1; step <= STEPS; step++) {
            report(step, 600.0 / step, t.plusMillis(step));
        }
        // resumed from step 400: steps 401..450 reported again, later, with other losses
        for (int step = 401; step <= 450; step++) {
            report(step, -1, t.plusSeconds(10).plusMillis(step));
        }
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> given().get("/experiments/{id}/progress", ID).then()
                .statusCode(200).body("runs[0].step", equalTo(450)));

        JsonPath served = given().get("/experiments/{id}/progress", ID).then().extract().jsonPath();
        List<Map<String, Number>> points = served.getList("curves[0].points");
        assertThat(points.size()).isBetween(Boards.CURVE_POINTS - 10, Boards.CURVE_POINTS);
        List<Long> steps = points.stream().map(p -> p.get("step").longValue()).toList();
        assertThat(steps).isSorted().doesNotHaveDuplicates();
        assertThat(steps.get(0)).isEqualTo(1);
        assertThat(steps.get(steps.size() - 1)).isEqualTo(STEPS);
        for (int i = 1; i < steps.size(); i++) {
            assertThat(steps.get(i) - steps.get(i - 1)).as("spread over every step").isLessThanOrEqualTo(4);
        }
        points.forEach(p -> assertThat(p.get("loss").doubleValue()).as("the first report of step " + p.get("step"))
                .isCloseTo(600.0 / p.get("step").longValue(), org.assertj.core.data.Percentage.withPercentage(1e-4)));
        // each point keeps its step's gradient norm, whether it was clipped and the epoch's clipped share so far
        List<Map<String, Object>> withGradients = served.getList("curves[0].points");
        withGradients.forEach(p -> {
            long step = ((Number) p.get("step")).longValue();
            assertThat(((Number) p.get("gradNorm")).doubleValue()).as("step %d", step)
                    .isCloseTo(100.0 / step, org.assertj.core.data.Percentage.withPercentage(1e-4));
            assertThat(p.get("gradClipped")).as("step %d", step).isEqualTo(step <= 10);
            // JsonPath reads decimals as float
            assertThat(((Number) p.get("epochClippedShare")).doubleValue()).as("step %d", step)
                    .isCloseTo(Math.min(step, 10) / (double) step, org.assertj.core.data.Offset.offset(1e-6));
        });
    }
}
