package org.mmapmtl.trainer.experiment;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mmapmtl.testing.LocalStackResource;

import java.nio.file.Files;
import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

/**
 * The first half of a trainer restart mid-run (the second half is {@link RunTakeoverResumedTest}, which Quarkus
 * runs in a new application after this one stopped): submits a run long enough to be cut and waits until it has
 * written its first epoch. Quarkus then stops this application in the middle of the run.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class RunTakeoverTest {
    static final String ID = "takeover";
    static final String RUN = ID + ".coop-mt.s1";
    static final int EPOCHS = 24;

    @BeforeAll
    static void world() {
        TestWorld.ensure();
    }

    @Test
    void aLongRunIsUnderWayWhenTheTrainerStops() {
        given().contentType(ContentType.JSON).body(TestWorld.spec(ID, "[\"coop-mt\"]", EPOCHS)).post("/experiments")
                .then().statusCode(201);
        await().atMost(Duration.ofMinutes(3)).until(() ->
                Files.isRegularFile(TestWorld.ROOT.resolve("artifacts").resolve(ID).resolve(RUN).resolve("epoch-1.safetensors")));
    }
}
