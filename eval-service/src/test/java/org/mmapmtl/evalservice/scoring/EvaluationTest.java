package org.mmapmtl.evalservice.scoring;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mmapmtl.evalservice.ScoredWorld;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.EventTopic;
import org.mmapmtl.events.Evaluation;
import org.mmapmtl.experiment.RunSpec;
import org.mmapmtl.testing.InjectTopicProbe;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.testing.TopicProbe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Checkpoints of real (tiny) training runs, announced on mmap.checkpoints as the trainer announces them, scored by
 * the evaluator from the record alone, announced on mmap.evaluations once each, and served as the paper's table.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class EvaluationTest {
    static final Path ROOT = ScoredWorld.ROOT;
    static final List<String> TASKS = ScoredWorld.TASKS;
    static final String EXPERIMENT = ScoredWorld.EXPERIMENT;
    static List<Checkpoint> RECORDS = List.of();

    @InjectTopicProbe
    TopicProbe kafka;

    @BeforeAll
    static void train() throws IOException {
        RECORDS = ScoredWorld.records();
    }

    void send(Checkpoint c) {
        kafka.send(EventTopic.CHECKPOINTS.topicName(), c.experimentId(), EventCodecs.CHECKPOINT.encode(c));
    }

    List<Evaluation> evaluations(String experiment, int atLeast) {
        List<Evaluation> out = new ArrayList<>();
        kafka.readUntil(EventTopic.EVALUATIONS.topicName(), records -> {
            out.clear();
            records.stream().filter(r -> experiment.equals(r.key())).forEach(r -> out.add(EventCodecs.EVALUATION.decode(r.value())));
            return out.size() >= atLeast;
        }, Duration.ofMinutes(2));
        return out;
    }

    @Test
    void everyCheckpointIsScoredOnceAndTheTableIsMeanAndSampleStdOverSeeds() throws Exception {
        assertThat(RECORDS).hasSize(4);
        RECORDS.forEach(this::send);
        send(RECORDS.get(0)); // announced twice: evaluated once
        List<Evaluation> evaluations = evaluations(EXPERIMENT, 4);
        Thread.sleep(3000); // time enough for a duplicate evaluation to show up, were there one
        evaluations = evaluations(EXPERIMENT, 4);
        assertThat(evaluations).extracting(Evaluation::runId).containsExactlyInAnyOrder(EXPERIMENT + ".coop-mt.s1",
                EXPERIMENT + ".coop-mt.s2", EXPERIMENT + ".coop-mt.s3", EXPERIMENT + ".zero-shot.s1");
        assertThat(evaluations).allSatisfy(e -> {
            assertThat(e.tasks().keySet()).containsExactlyElementsOf(TASKS);
            assertThat(e.tasks().values()).allSatisfy(s -> assertThat(s.total()).isEqualTo(16));
        });

        // by hand: mean and sample standard deviation over the three seeds (which differ: each seed draws its own split)
        List<Evaluation> coop = evaluations.stream().filter(e -> e.runId().contains("coop-mt")).toList();
        assertThat(coop.stream().map(Evaluation::mean).distinct().count()).as("seeds' means %s", coop).isGreaterThan(1);
        for (String task : TASKS) {
            double[] acc = coop.stream().mapToDouble(e -> e.tasks().get(task).accuracy()).toArray();
            double mean = (acc[0] + acc[1] + acc[2]) / 3;
            double std = Math.sqrt(((acc[0] - mean) * (acc[0] - mean) + (acc[1] - mean) * (acc[1] - mean)
                    + (acc[2] - mean) * (acc[2] - mean)) / 2);
            float servedMean = given().get("/results/{id}", EXPERIMENT).then().statusCode(200).extract()
                    .path("rows.find { it.method == 'coop-mt' }.tasks." + task + ".mean");
            float servedStd = given().get("/results/{id}", EXPERIMENT).then().extract()
                    .path("rows.find { it.method == 'coop-mt' }.tasks." + task + ".std");
            assertThat((double) servedMean).isCloseTo(mean, within(1e-6));
            assertThat((double) servedStd).isCloseTo(std, within(1e-6));
        }
        double[] seedMeans = coop.stream().mapToDouble(Evaluation::mean).toArray();
        float rowMean = given().get("/results/{id}", EXPERIMENT).then().extract().path("rows.find { it.method == 'coop-mt' }.mean.mean");
        assertThat((double) rowMean).isCloseTo((seedMeans[0] + seedMeans[1] + seedMeans[2]) / 3, within(1e-6));
        given().get("/results/{id}", EXPERIMENT).then()
                .body("rows.find { it.method == 'coop-mt' }.seeds", equalTo(List.of(1, 2, 3)))
                .body("rows.find { it.method == 'coop-mt' }.trainableParams", equalTo(256))
                .body("rows.find { it.method == 'zero-shot' }.trainableParams", equalTo(0));

        given().get("/results/{id}?format=csv", EXPERIMENT).then().statusCode(200).contentType(containsString("text/csv"))
                .body(containsString("method,seeds,clipart,clipart_std,sketch"));
        given().accept("text/markdown").get("/results/{id}", EXPERIMENT).then().statusCode(200)
                .body(containsString("| coop-mt | "))
                // the caption says how the runs trained: two tables compare only under the same recipe
                .body(containsString("Trained with 1 epoch, batch 4 per task, SGD lr 0.0035 (momentum 0.9, weight decay "
                        + "0.0005), no warm-up, per-task sampling, augmentation off."));
        given().get("/results/{id}", EXPERIMENT).then().body("recipe.batchPer", equalTo("task"))
                .body("recipe.batchSize", equalTo(4));
        given().get("/results/{id}?format=xml", EXPERIMENT).then().statusCode(400).contentType("application/problem+json");

        // per-class metrics and the confusion matrix of one run
        var run = given().get("/results/{id}/runs/{run}", EXPERIMENT, EXPERIMENT + ".coop-mt.s1").then().statusCode(200)
                .body("epochs[0].status", equalTo("done")).extract();
        List<List<Integer>> confusion = run.path("epochs[0].tasks.clipart.confusion");
        assertThat(confusion.stream().flatMap(List::stream).mapToInt(Integer::intValue).sum()).isEqualTo(16);
        List<Map<String, Object>> perClass = run.path("epochs[0].tasks.clipart.perClass");
        assertThat(perClass).hasSize(4).allSatisfy(c -> assertThat(c).containsKeys("precision", "recall", "f1", "support"));
        given().get("/leaderboard?dataset=folder").then().statusCode(200).body("method", org.hamcrest.Matchers.hasItem("coop-mt"));
        // a page of experiments at a time, newest first, never more than the configured maximum
        var page = given().get("/leaderboard?limit=1").then().statusCode(200).extract();
        assertThat(page.jsonPath().getList("experimentId", String.class)).isNotEmpty().containsOnly(
                page.jsonPath().getString("experimentId[0]"));
        assertThat(Long.parseLong(page.header("X-Total-Count"))).isGreaterThanOrEqualTo(1);
        given().get("/leaderboard?dataset=no-such-dataset").then().statusCode(200).header("X-Total-Count", "0")
                .body("size()", equalTo(0));
        given().get("/leaderboard?limit=100000").then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("limit"));
    }

    @Test
    void aTamperedCheckpointFailsWithTheReasonAndTheNextOneIsScored() throws Exception {
        Checkpoint good = RECORDS.get(1);
        Path tampered = ROOT.resolve("artifacts").resolve("tampered.safetensors");
        byte[] bytes = Files.readAllBytes(Path.of(java.net.URI.create(good.uri())));
        bytes[bytes.length - 1] ^= 0x5a;
        Files.write(tampered, bytes);
        RunSpec spec = good.runSpec();
        RunSpec other = new RunSpec("tampered", "tampered.coop-mt.s2", spec.variant(), spec.stage(), spec.method(),
                spec.seed(), spec.tasks(), spec.groups(), spec.dataset(), spec.weights(), spec.weightsUri(),
                spec.weightsSha256(), spec.recipe(), spec.prompt(), 0, 0, "cpu");
        send(new Checkpoint("tampered", other.runId(), good.method(), good.seed(), good.tasks(), good.groups(), good.epoch(),
                good.finalEpoch(), tampered.toUri().toString(), good.sha256(), good.trainableParams(), other));
        RunSpec next = new RunSpec("tampered", "tampered.coop-mt.s3", spec.variant(), spec.stage(), spec.method(),
                spec.seed(), spec.tasks(), spec.groups(), spec.dataset(), spec.weights(), spec.weightsUri(),
                spec.weightsSha256(), spec.recipe(), spec.prompt(), 0, 0, "cpu");
        send(new Checkpoint("tampered", next.runId(), good.method(), good.seed(), good.tasks(), good.groups(), good.epoch(),
                good.finalEpoch(), good.uri(), good.sha256(), good.trainableParams(), next));

        assertThat(evaluations("tampered", 1)).extracting(Evaluation::runId).containsExactly("tampered.coop-mt.s3");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/results/{id}", "tampered").then()
                .body("checkpoints.find { it.runId == 'tampered.coop-mt.s2' }.status", equalTo("failed"))
                .body("checkpoints.find { it.runId == 'tampered.coop-mt.s2' }.error", containsString("sha256")));
        var dead = kafka.readUntil(EventTopic.CHECKPOINTS.deadLetterTopicName(),
                records -> records.stream().anyMatch(r -> "tampered".equals(r.key())), Duration.ofSeconds(30));
        assertThat(dead).filteredOn(r -> "tampered".equals(r.key())).singleElement()
                .extracting(r -> TopicProbe.header(r, "dead-letter-reason")).asString()
                .contains("tampered.safetensors").contains("sha256");
    }
}
