package org.mmapmtl.trainer.experiment;

import ai.djl.Device;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.EventTopic;
import org.mmapmtl.events.GradientSnapshot;
import org.mmapmtl.events.Progress;
import org.mmapmtl.events.TaskPartition;
import org.mmapmtl.experiment.RunSpec;
import org.mmapmtl.grouping.AffinityMatrix;
import org.mmapmtl.grouping.GradientSimilarity;
import org.mmapmtl.grouping.GroupingObjective;
import org.mmapmtl.grouping.Partition;
import org.mmapmtl.grouping.PartitionSearch;
import org.mmapmtl.testing.InjectTopicProbe;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.testing.TopicProbe;
import org.mmapmtl.prompt.PromptMethod;
import org.mmapmtl.tokenizer.ClipTokenizer;
import org.mmapmtl.train.CheckpointFile;
import org.mmapmtl.train.RunExecutor;
import org.mmapmtl.train.RunSetup;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItems;

/**
 * A small experiment through the trainer on the real broker and database: phase 1 streams gradient snapshots to
 * mmap.gradients, the test answers as the grouping service does (the real grouping core, through the real topic),
 * phase 2 trains one run per group, and every (run, epoch) is announced once with a RunSpec that rebuilds the model.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class ExperimentPipelineTest {
    static final String ID = "pipeline";

    @InjectTopicProbe
    TopicProbe kafka;

    @BeforeAll
    static void world() {
        TestWorld.ensure();
    }

    @Test
    void aSubmittedExperimentRunsBothPhasesAndAnnouncesEveryCheckpointOnce() {
        Instant began = Instant.now();
        given().contentType(ContentType.JSON).body(TestWorld.spec(ID, "[\"mmap\", \"coop-mt\"]", 2))
                .post("/experiments").then().statusCode(201)
                .body("id", equalTo(ID)).body("runs.runId", hasItems(ID + ".phase1", ID + ".coop-mt.s1"))
                // mmap's phase-2 runs wait for the groups: at most one per task (1 seed × 4 tasks)
                .body("runsAfterGrouping", equalTo(4));

        // the grouping service's part, on the real topic: 2 snapshots × 4 tasks
        List<GradientSnapshot> snapshots = new ArrayList<>();
        kafka.readUntil(EventTopic.GRADIENTS.topicName(), records -> {
            snapshots.clear();
            records.stream().filter(r -> ID.equals(r.key())).forEach(r -> snapshots.add(EventCodecs.GRADIENT.decode(r.value())));
            return snapshots.size() >= 8;
        }, Duration.ofMinutes(3));
        assertThat(snapshots).hasSize(8);
        assertThat(snapshots).extracting(GradientSnapshot::snapshot).containsOnly(0, 1);
        assertThat(snapshots).extracting(g -> g.grouping().objective()).containsOnly("threshold");
        double[][] mean = new double[4][4];
        for (int s = 0; s < 2; s++) {
            final int index = s;
            List<float[]> grads = TestWorld.TASKS.stream().map(t -> snapshots.stream()
                    .filter(g -> g.snapshot() == index && g.task().equals(t)).findFirst().orElseThrow().gradient()).toList();
            double[][] m = GradientSimilarity.COSINE.matrix(grads);
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    mean[i][j] += m[i][j] / 2;
                }
            }
        }
        AffinityMatrix affinity = new AffinityMatrix(TestWorld.TASKS, mean);
        Partition p = PartitionSearch.solve(affinity, new GroupingObjective.GroupCount(2, null), PartitionSearch.Options.defaults());
        List<List<String>> groups = p.named(TestWorld.TASKS);
        assertThat(groups).hasSize(2);
        kafka.send(EventTopic.PARTITIONS.topicName(), ID, EventCodecs.PARTITION.encode(new TaskPartition(ID, TestWorld.TASKS,
                affinity.values(), groups, p.objective(), p.score(), p.solver().label(), 2, Instant.now())));

        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                given().get("/experiments/{id}", ID).then().statusCode(200).body("phase", equalTo("DONE")));
        System.out.printf("experiment %s: submitted to done in %d s%n", ID, Duration.between(began, Instant.now()).toSeconds());

        given().get("/experiments/{id}", ID).then()
                .body("runs.runId", hasItems(ID + ".mmap.s1.g0", ID + ".mmap.s1.g1"))
                .body("runs.state", org.hamcrest.Matchers.everyItem(equalTo("done")))
                .body("partition.groups", equalTo(groups));

        // phase 1: 1 epoch; coop-mt and both groups: 2 epochs each
        List<Checkpoint> records = new ArrayList<>();
        kafka.readUntil(EventTopic.CHECKPOINTS.topicName(), rs -> {
            records.clear();
            rs.stream().filter(r -> ID.equals(r.key())).forEach(r -> records.add(EventCodecs.CHECKPOINT.decode(r.value())));
            return records.size() >= 7;
        }, Duration.ofSeconds(30));
        assertThat(records).hasSize(7);
        Set<String> keys = new HashSet<>();
        records.forEach(c -> assertThat(keys.add(c.runId() + "@" + c.epoch())).as("announced once: %s", c.runId()).isTrue());
        assertThat(records).allSatisfy(c -> {
            assertThat(c.runSpec()).isNotNull();
            assertThat(c.sha256()).isEqualTo(CheckpointFile.sha256(Path.of(URI.create(c.uri()))));
        });
        Checkpoint group = records.stream().filter(c -> c.runId().equals(ID + ".mmap.s1.g0") && c.finalEpoch()).findFirst().orElseThrow();
        assertThat(group.groups()).containsExactly(groups.get(0));
        assertThat(group.tasks()).isEqualTo(groups.get(0));
        rebuildsTheModel(group);

        // server-sent events: every report, in order, ending with the experiment
        String stream = given().get("/experiments/{id}/events", ID).then().statusCode(200).extract().asString();
        List<Long> ids = stream.lines().filter(l -> l.startsWith("id:")).map(l -> Long.parseLong(l.substring(3).trim())).toList();
        assertThat(ids).isSorted().doesNotHaveDuplicates().hasSizeGreaterThan(10);
        List<Progress> reports = stream.lines().filter(l -> l.startsWith("data:"))
                .map(l -> EventCodecs.PROGRESS.decode(l.substring(5).trim().getBytes())).toList();
        assertThat(reports.get(0).state()).isEqualTo("queued");
        assertThat(reports.get(reports.size() - 1).phase()).isEqualTo("done");
        assertThat(reports).anySatisfy(r -> assertThat(r.loss()).isNotNull());
        // a step report carries its gradient norm; this spec's recipe does not clip, so nothing says clipped
        assertThat(reports).filteredOn(r -> r.loss() != null).isNotEmpty().allSatisfy(r -> {
            assertThat(r.gradNorm()).isPositive().isFinite();
            assertThat(r.gradClipped()).isNull();
            assertThat(r.epochClippedShare()).isNull();
        });
    }

    /** The record alone is enough: its RunSpec makes the same method on the same split, and the file loads into it. */
    static void rebuildsTheModel(Checkpoint c) {
        RunSpec run = c.runSpec();
        CheckpointFile.Loaded loaded = CheckpointFile.read(Path.of(URI.create(c.uri())));
        assertThat(RunExecutor.runSpecOf(loaded)).isEqualTo(run.withoutIds());
        assertThat(RunSetup.split(run).task(run.tasks().get(0)).test()).isNotEmpty();
        try (ClipModel clip = ClipModel.load(ClipWeights.read(Path.of(URI.create(run.weightsUri()))), Device.cpu());
             PromptMethod method = PromptMethod.create(RunSetup.methodSpec(run), clip, ClipTokenizer.bundled(), run.tasks(),
                     RunSetup.methodGroups(run), run.seed())) {
            CheckpointFile.restore(Path.of(URI.create(c.uri())), method);
            assertThat(method.parameters().count()).isEqualTo(c.trainableParams());
        }
    }

    @Test
    void malformedSpecsAreRefusedNamingEveryField() {
        given().contentType(ContentType.JSON).body("""
                {"dataset": {"root": "/etc", "percent": 10}, "weights": "../../pom.xml", "methods": ["mmap"]}
                """).post("/experiments").then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItems("dataset.root", "weights"));
        given().contentType(ContentType.JSON).body(TestWorld.spec("bad-task", "[\"coop\"]", 1).replace("\"painting\"]", "\"paintng\"]"))
                .post("/experiments").then().statusCode(400).body("errors.field", hasItems("dataset.tasks[3]"));
        given().contentType(ContentType.JSON).body(TestWorld.spec("bad-snapshots", "[\"mmap\"]", 1)
                        .replace("\"snapshots\": 2", "\"snapshots\": 50"))
                .post("/experiments").then().statusCode(400).body("errors.field", hasItems("grouping.snapshots"));
        given().contentType("application/yaml").body("dataset: [1\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)).post("/experiments").then().statusCode(400)
                .body("errors.field", hasItems("$"));
        given().contentType(ContentType.JSON).body("{\"methods\": [\"x\"], \"recipe\": {\"epochs\": 0}}").post("/experiments")
                .then().statusCode(400).body("errors.field", hasItems("dataset", "weights", "methods[0]", "recipe.epochs"));
        given().get("/experiments/{id}/spec", "nope").then().statusCode(404).contentType("application/problem+json");
        // 3 methods × 2 seeds × 4 tasks + phase 1 = 25 runs: over the test profile's mmap.trainer.max-runs (20)
        given().contentType(ContentType.JSON).body(TestWorld.spec("too-many", "[\"coop-mt\", \"vpt-mt\", \"maple-mt\"]", 1)
                        .replace("\"seeds\": [1]", "\"seeds\": [1, 2]"))
                .post("/experiments").then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("mmap.trainer.max-runs")).body("errors.field", hasItems("methods", "seeds"));
        given().get("/experiments/{id}", "too-many").then().statusCode(404);
    }

    @Test
    void aCancelledExperimentStopsItsRuns() {
        given().contentType(ContentType.JSON).body(TestWorld.spec("cancelled", "[\"vpt-mt\"]", 50)).post("/experiments")
                .then().statusCode(201);
        given().delete("/experiments/{id}", "cancelled").then().statusCode(202).body("cancelRequested", equalTo(true));
        await().atMost(Duration.ofMinutes(3)).untilAsserted(() ->
                given().get("/experiments/{id}", "cancelled").then().body("phase", equalTo("CANCELLED")));
        given().get("/experiments/{id}", "cancelled").then().body("runs.state", org.hamcrest.Matchers.everyItem(equalTo("cancelled")));
        // the stored spec says where each default comes from, and which values this spec set itself
        given().get("/experiments/{id}/spec", "cancelled").then().statusCode(200)
                .body("recipe.batchPer", equalTo("task"))
                .body("provenance.'recipe.learningRate'.source", equalTo("paper"))
                .body("provenance.'recipe.momentum'.source", equalTo("MaPLe/Dassl"))
                .body("provenance.'recipe.batchPer'.source", equalTo("ours"))
                .body("provenance.'recipe.epochs'.source", equalTo("this spec"))
                .body("provenance.'recipe.epochs'.defaultValue", equalTo(5));
        // a second cancel is refused: the experiment has ended, nothing was requested
        given().delete("/experiments/{id}", "cancelled").then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("already ended (phase CANCELLED)"));
    }

}
