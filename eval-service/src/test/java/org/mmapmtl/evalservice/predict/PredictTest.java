package org.mmapmtl.evalservice.predict;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.path.json.config.JsonPathConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mmapmtl.evalservice.ScoredWorld;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.EventTopic;
import org.mmapmtl.testing.InjectTopicProbe;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.testing.TopicProbe;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** POST /predict on checkpoints of real tiny runs, announced on mmap.checkpoints; every bad request a 4xx problem. */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class PredictTest {
    static final String EXPERIMENT = "predict";
    static final JsonPathConfig DOUBLES = new JsonPathConfig(JsonPathConfig.NumberReturnType.DOUBLE);
    static List<Checkpoint> records;

    @InjectTopicProbe
    TopicProbe kafka;

    @jakarta.inject.Inject
    Predictions predictions;

    @BeforeAll
    static void train() throws IOException {
        records = ScoredWorld.records().stream().map(c -> ScoredWorld.as(EXPERIMENT, c)).toList();
    }

    void announce() {
        records.forEach(c -> kafka.send(EventTopic.CHECKPOINTS.topicName(), EXPERIMENT, EventCodecs.CHECKPOINT.encode(c)));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/results/{id}", EXPERIMENT).then()
                .statusCode(200).body("checkpoints.size()", equalTo(records.size())));
    }

    static File image(String task, String cls) throws IOException {
        try (var files = Files.list(ScoredWorld.DATA.resolve(task).resolve(cls))) {
            return files.sorted().findFirst().orElseThrow().toFile();
        }
    }

    @Test
    void imagesGetEachTasksClassProbabilitiesUnderTheRunsPrompts() throws IOException {
        announce();
        JsonPath all = given().multiPart("run", EXPERIMENT + ".coop-mt.s1")
                .multiPart("image", image("clipart", "circle")).multiPart("image", image("sketch", "star"))
                .post("/predict").then().statusCode(200).extract().jsonPath().using(DOUBLES);
        assertThat(all.getString("runId")).isEqualTo(EXPERIMENT + ".coop-mt.s1");
        assertThat(all.getList("tasks", String.class)).containsExactlyElementsOf(ScoredWorld.TASKS);
        assertThat(all.getList("classes", String.class)).containsExactly("circle", "square", "star", "triangle");
        assertThat(all.getList("images")).hasSize(2);
        for (int i = 0; i < 2; i++) {
            for (String task : ScoredWorld.TASKS) {
                List<Map<String, Object>> classes = all.getList("images[" + i + "].tasks." + task + ".classes");
                assertThat(classes).hasSize(4);
                assertThat(classes.stream().mapToDouble(c -> ((Number) c.get("probability")).doubleValue()).sum())
                        .isCloseTo(1.0, within(1e-5));
                assertThat(all.getString("images[" + i + "].tasks." + task + ".predicted")).isEqualTo(classes.get(0).get("name"));
            }
        }

        // one task, the two most probable classes, the run's final epoch named explicitly, and the zero-shot run
        given().multiPart("run", EXPERIMENT + ".coop-mt.s1").multiPart("epoch", "1").multiPart("task", "sketch")
                .multiPart("top", "2").multiPart("image", image("sketch", "star")).post("/predict").then()
                .statusCode(200).body("tasks", equalTo(List.of("sketch"))).body("images[0].tasks.sketch.classes.size()", equalTo(2));
        given().multiPart("checkpoint", records.get(3).uri()).multiPart("experiment", EXPERIMENT)
                .multiPart("classes", "circle, star").multiPart("image", image("painting", "circle")).post("/predict").then()
                .statusCode(200).body("method", equalTo("zero-shot")).body("classes", equalTo(List.of("circle", "star")));
    }

    /** A PNG of this size (8-bit grey) whose one data chunk holds {@code idat}: written by hand, so the size can lie. */
    static byte[] png(int width, int height, byte[] idat) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", header.array());
        chunk(out, "IDAT", idat);
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(java.io.ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        byte[] name = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        crc.update(name);
        crc.update(data);
        out.write(java.nio.ByteBuffer.allocate(4).putInt(data.length).array());
        out.write(name);
        out.write(data);
        out.write(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** Requests past their checks are admitted up to mmap.predict.max-concurrent; the next one is told to come back. */
    @Test
    void predictionsBeyondTheConcurrentLimitAreToldToRetry() throws IOException {
        announce();
        int held = 0;
        try {
            while (predictions.admit()) {
                held++;
            }
            assertThat(held).isEqualTo(4);
            given().multiPart("run", EXPERIMENT + ".coop-mt.s1").multiPart("image", image("clipart", "circle"))
                    .post("/predict").then().statusCode(503).contentType("application/problem+json")
                    .header("Retry-After", "2").body("detail", containsString("mmap.predict.max-concurrent"));
        } finally {
            for (int i = 0; i < held; i++) {
                predictions.leave();
            }
        }
        given().multiPart("run", EXPERIMENT + ".coop-mt.s1").multiPart("image", image("clipart", "circle"))
                .post("/predict").then().statusCode(200);
    }

    @Test
    void badRequestsAreProblemsNamingWhatIsWrong(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        announce();
        Path text = dir.resolve("notes.png");
        Files.writeString(text, "this is not an image");
        given().multiPart("run", EXPERIMENT + ".coop-mt.s1").multiPart("image", text.toFile()).post("/predict").then()
                .statusCode(415).contentType("application/problem+json").body("detail", containsString("notes.png"));

        Path big = dir.resolve("big.png");
        byte[] noise = new byte[70_000]; // over the test profile's mmap.predict.max-image-bytes
        new Random(1).nextBytes(noise);
        Files.write(big, noise);
        given().multiPart("run", EXPERIMENT + ".coop-mt.s1").multiPart("image", big.toFile()).post("/predict").then()
                .statusCode(413).contentType("application/problem+json").body("detail", containsString("max-image-bytes"));

        var many = given().multiPart("run", EXPERIMENT + ".coop-mt.s1");
        for (int i = 0; i < 5; i++) { // over the test profile's mmap.predict.max-images
            many = many.multiPart("image", image("clipart", "circle"));
        }
        many.post("/predict").then().statusCode(413).contentType("application/problem+json")
                .body("detail", containsString("max-images"));

        given().multiPart("run", "no-such-run").multiPart("image", image("clipart", "circle")).post("/predict").then()
                .statusCode(404).contentType("application/problem+json").body("detail", containsString("no-such-run"));
        given().multiPart("image", image("clipart", "circle")).post("/predict").then()
                .statusCode(400).contentType("application/problem+json").body("errors[0].field", equalTo("run"));
        given().multiPart("run", EXPERIMENT + ".coop-mt.s1").multiPart("task", "watercolour")
                .multiPart("image", image("clipart", "circle")).post("/predict").then()
                .statusCode(400).contentType("application/problem+json").body("detail", containsString("watercolour"));
        given().multiPart("run", EXPERIMENT + ".coop-mt.s1").post("/predict").then()
                .statusCode(400).contentType("application/problem+json").body("errors.field", org.hamcrest.Matchers.hasItem("image"));
        // a few hundred bytes that claim 100000 × 100000 pixels: refused from the header, never decoded
        Path bomb = dir.resolve("bomb.png");
        Files.write(bomb, png(100_000, 100_000, new byte[] {1, 2, 3}));
        given().multiPart("run", EXPERIMENT + ".coop-mt.s1").multiPart("image", bomb.toFile()).post("/predict").then()
                .statusCode(413).contentType("application/problem+json").body("detail", containsString("max-image-pixels"));
        // a valid header over damaged pixel data: the decoder's failure is a 415 naming the file
        Path damaged = dir.resolve("damaged.png");
        Files.write(damaged, png(8, 8, new byte[] {(byte) 0x78, (byte) 0x9c, 5, 6, 7, 8}));
        given().multiPart("run", EXPERIMENT + ".coop-mt.s1").multiPart("image", damaged.toFile()).post("/predict").then()
                .statusCode(415).contentType("application/problem+json").body("detail", containsString("damaged.png"));
    }
}
