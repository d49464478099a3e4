package org.mmapmtl.evalservice.dashboard;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.EventTopic;
import org.mmapmtl.events.Progress;
import org.mmapmtl.testing.InjectTopicProbe;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.testing.TopicProbe;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Many dashboards open on one experiment, more than the 32 streams a service with a poll per stream allowed: every
 * stream gets the board's version at once and the next one when a report arrives, from the one shared poll.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class ChangeStreamsTest {
    static final String EXPERIMENT = "many-viewers";
    static final int STREAMS = 64;

    @InjectTopicProbe
    TopicProbe kafka;

    @TestHTTPResource("/")
    URL root;

    void report(String message) {
        Progress p = Progress.lifecycle(EXPERIMENT, null, null, "phase-2", "running", message, Instant.now());
        kafka.send(EventTopic.PROGRESS.topicName(), EXPERIMENT, EventCodecs.PROGRESS.encode(p));
    }

    /** The data lines of one stream's change events, as they arrive. */
    record Stream(InputStream body, List<String> versions) {
    }

    @Test
    void sixtyFourStreamsOnOneBoardEachGetEveryChange() throws Exception {
        report("first");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/experiments/{id}/progress", EXPERIMENT).then().statusCode(200));
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        List<Stream> streams = new ArrayList<>();
        try {
            for (int i = 0; i < STREAMS; i++) {
                HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(
                                URI.create(root + "experiments/" + EXPERIMENT + "/changes"))
                        .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
                assertThat(response.statusCode()).as("stream %d", i).isEqualTo(200);
                Stream s = new Stream(response.body(), new CopyOnWriteArrayList<>());
                Thread reader = new Thread(() -> read(s), "sse-reader-" + i);
                reader.setDaemon(true);
                reader.start();
                streams.add(s);
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    streams.forEach(s -> assertThat(s.versions()).hasSize(1)));
            String first = streams.get(0).versions().get(0);
            streams.forEach(s -> assertThat(s.versions()).containsExactly(first));

            report("second");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    streams.forEach(s -> assertThat(s.versions()).hasSize(2)));
            String second = streams.get(0).versions().get(1);
            assertThat(second).isNotEqualTo(first);
            streams.forEach(s -> assertThat(s.versions()).containsExactly(first, second));
        } finally {
            for (Stream s : streams) {
                s.body().close();
            }
        }
    }

    private static void read(Stream s) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(s.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("data:")) {
                    s.versions().add(line.substring("data:".length()).trim());
                }
            }
        } catch (java.io.IOException e) {
            // closed by the test
        }
    }
}
