package org.mmapmtl.trainer.experiment;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.testing.TestIdentities;

import java.util.HashMap;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Who may do what on the trainer's API, one assertion per cell of the role matrix (docs/security.md), with tokens
 * checked as in production: signed by the trusted key, not expired, with the role the endpoint asks for.
 */
@QuarkusTest
@TestProfile(TrainerAccessTest.AuthOnWorkerOff.class)
@WithTestResource(LocalStackResource.class)
class TrainerAccessTest {
    public static class AuthOnWorkerOff extends TestIdentities.AuthOn {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.put("mmap.trainer.enabled", "false");
            return config;
        }
    }

    static final String VIEWER = TestIdentities.token("vera", "viewer");
    static final String ALICE = TestIdentities.token("alice", "researcher");
    static final String BOB = TestIdentities.token("bob", "researcher");
    static final String ADMIN = TestIdentities.token("ada", "admin");

    @BeforeAll
    static void world() {
        TestWorld.ensure();
    }

    static RequestSpecification as(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    static void submit(String token, String id, int status) {
        as(token).contentType(ContentType.JSON).body(TestWorld.spec(id, "[\"coop-mt\"]", 1)).post("/experiments")
                .then().statusCode(status);
    }

    @Test
    void withoutATokenOnlyHealthAnswers() {
        given().get("/q/health/live").then().statusCode(200);
        given().get("/experiments").then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer").body("detail", containsString("role viewer"));
        given().contentType(ContentType.JSON).body(TestWorld.spec("anonymous", "[\"coop-mt\"]", 1)).post("/experiments")
                .then().statusCode(401).body("detail", containsString("role researcher"));
        given().delete("/experiments/anything").then().statusCode(401);
        given().get("/experiments/anything/events").then().statusCode(401);
    }

    @Test
    void aTokenThatIsExpiredForeignOrGarbledIsRefused() {
        as(TestIdentities.expired("ada", "admin")).get("/experiments").then().statusCode(401)
                .contentType("application/problem+json").body("detail", containsString("refused"));
        as(TestIdentities.foreign("ada", "admin")).get("/experiments").then().statusCode(401);
        as("not-a-token").get("/experiments").then().statusCode(401);
    }

    @Test
    void viewersReadButNeitherSubmitNorCancel() {
        as(VIEWER).get("/experiments").then().statusCode(200);
        submit(VIEWER, "by-a-viewer", 403);
        submit(ALICE, "read-by-a-viewer", 201);
        as(VIEWER).get("/experiments/read-by-a-viewer").then().statusCode(200).body("owner", equalTo("alice"));
        as(VIEWER).get("/experiments/read-by-a-viewer/spec").then().statusCode(200);
        as(VIEWER).delete("/experiments/read-by-a-viewer").then().statusCode(403)
                .contentType("application/problem+json").body("detail", containsString("role researcher"))
                .body("detail", containsString("vera"));
    }

    @Test
    void researchersSubmitAndCancelTheirOwnOnly() {
        submit(ALICE, "alices", 201);
        as(BOB).delete("/experiments/alices").then().statusCode(403).contentType("application/problem+json")
                .body("detail", containsString("belongs to 'alice'"));
        as(ALICE).delete("/experiments/alices").then().statusCode(202);
    }

    @Test
    void adminsCancelAnyonesAndSubmit() {
        submit(BOB, "bobs", 201);
        as(ADMIN).delete("/experiments/bobs").then().statusCode(202);
        submit(ADMIN, "adas", 201);
        as(ADMIN).get("/experiments/adas").then().statusCode(200).body("owner", equalTo("ada"));
    }
}
