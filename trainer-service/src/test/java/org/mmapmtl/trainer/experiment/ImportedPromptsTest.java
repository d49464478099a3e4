package org.mmapmtl.trainer.experiment;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.EventTopic;
import org.mmapmtl.experiment.RunSpec;
import org.mmapmtl.safetensors.Safetensors;
import org.mmapmtl.safetensors.Tensor;
import org.mmapmtl.testing.InjectTopicProbe;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.testing.TopicProbe;
import org.mmapmtl.train.CheckpointFile;
import org.mmapmtl.train.PromptImport;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

/**
 * A MaPLe prompt learner saved by MaPLe's own code, imported with {@code ./mmap import}'s core and named in a spec's
 * {@code imported}: the trainer announces it as a run of its own that trained nothing, whose record rebuilds the
 * model with exactly the imported parameters, so that the evaluator scores it like any other run.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class ImportedPromptsTest {
    static final String ID = "imported";

    @InjectTopicProbe
    TopicProbe kafka;

    @BeforeAll
    static void world() {
        TestWorld.ensure();
    }

    @Test
    void promptsTrainedElsewhereAreScoredBesideTheMethodsWithoutTraining() {
        Path foreign = TestWorld.ROOT.resolve("imports/maple-learner.safetensors");
        writeMapleLearner(foreign);
        Path ours = TestWorld.ROOT.resolve("imports/maple-mt.safetensors");
        PromptImport.Imported imported = PromptImport.run(PromptImport.Source.MAPLE, foreign, TestWorld.WEIGHTS,
                List.of("anything"), ours);

        String spec = TestWorld.spec(ID, "[\"zero-shot\"]", 1)
                .replace("\"methods\"", "\"imported\": {\"maple-theirs\": \"" + ours + "\"}, \"methods\"");
        given().contentType(ContentType.JSON).body(spec).post("/experiments").then().statusCode(201)
                .body("runs.runId", hasItems(ID + ".zero-shot.s1", ID + ".maple-theirs.s1"));
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                given().get("/experiments/{id}", ID).then().statusCode(200).body("phase", equalTo("DONE")));
        given().get("/experiments/{id}/spec", ID).then().statusCode(200)
                .body("imported.maple-theirs", equalTo(ours.toAbsolutePath().toString()));

        List<Checkpoint> records = new ArrayList<>();
        kafka.readUntil(EventTopic.CHECKPOINTS.topicName(), rs -> {
            records.clear();
            rs.stream().filter(r -> ID.equals(r.key())).forEach(r -> records.add(EventCodecs.CHECKPOINT.decode(r.value())));
            return records.size() >= 2;
        }, Duration.ofSeconds(30));
        Checkpoint theirs = records.stream().filter(c -> c.runId().equals(ID + ".maple-theirs.s1")).findFirst().orElseThrow();
        assertThat(theirs.method()).isEqualTo("maple-mt");
        assertThat(theirs.finalEpoch()).isTrue();
        assertThat(theirs.trainableParams()).isEqualTo(imported.parameters());
        RunSpec run = theirs.runSpec();
        assertThat(run.stage()).isEqualTo(RunSpec.IMPORTED);
        assertThat(run.variant()).isEqualTo("maple-theirs");
        assertThat(run.tasks()).isEqualTo(TestWorld.TASKS);
        assertThat(run.prompt().length()).isEqualTo(2);
        assertThat(run.prompt().depth()).isEqualTo(2);
        ExperimentPipelineTest.rebuildsTheModel(theirs);

        CheckpointFile.Loaded announced = CheckpointFile.read(Path.of(URI.create(theirs.uri())));
        CheckpointFile.Loaded source = CheckpointFile.read(ours);
        assertThat(announced.parameters().keySet()).isEqualTo(source.parameters().keySet());
        announced.parameters().forEach((name, t) ->
                assertThat(t.toFloats()).as(name).isEqualTo(source.parameters().get(name).toFloats()));
        assertThat(announced.metadata().get("imported_from")).isEqualTo("maple: maple-learner.safetensors");
    }

    @Test
    void anImportedFileThatCannotBeScoredIsRefusedByName() {
        String spec = TestWorld.spec("import-refused", "[\"zero-shot\"]", 1).replace("\"methods\"",
                "\"imported\": {\"missing\": \"" + TestWorld.ROOT.resolve("imports/none.safetensors")
                        + "\", \"outside\": \"/etc/hostname\"}, \"methods\"");
        given().contentType(ContentType.JSON).body(spec).post("/experiments").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", hasItems("imported.missing", "imported.outside"));

        Path raw = TestWorld.ROOT.resolve("imports/not-imported.safetensors");
        writeMapleLearner(raw); // MaPLe's own layout, not ours: ./mmap import makes it a checkpoint first
        given().contentType(ContentType.JSON).body(TestWorld.spec("import-refused", "[\"zero-shot\"]", 1)
                        .replace("\"methods\"", "\"imported\": {\"raw\": \"" + raw + "\"}, \"methods\""))
                .post("/experiments").then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItems("imported.raw"))
                .body("errors.find { it.field == 'imported.raw' }.message", containsString("not an mmap checkpoint"));
        given().get("/experiments/{id}", "import-refused").then().statusCode(404);
    }

    /** MaPLe's prompt learner for the test's tiny CLIP (widths 128): n_ctx 2, depth 2, nn.Linear weights [out, in]. */
    static void writeMapleLearner(Path file) {
        Random random = new Random(5);
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("prompt_learner.ctx", gaussian(random, 2, 128));
        t.put("prompt_learner.proj.weight", gaussian(random, 128, 128));
        t.put("prompt_learner.proj.bias", gaussian(random, 128));
        t.put("prompt_learner.compound_prompts_text.0", gaussian(random, 2, 128));
        t.put("prompt_learner.compound_prompt_projections.0.weight", gaussian(random, 128, 128));
        t.put("prompt_learner.compound_prompt_projections.0.bias", gaussian(random, 128));
        t.put("prompt_learner.token_prefix", gaussian(random, 4, 1, 128));
        try {
            java.nio.file.Files.createDirectories(file.getParent());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Safetensors.write(file, t, Map.of());
    }

    private static Tensor gaussian(Random random, long... shape) {
        float[] v = new float[(int) Tensor.elementCount(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * 0.02);
        }
        return Tensor.ofFloats(shape, v);
    }
}
