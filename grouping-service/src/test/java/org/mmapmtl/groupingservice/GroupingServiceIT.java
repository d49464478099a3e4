package org.mmapmtl.groupingservice;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import org.junit.jupiter.api.Test;
import org.mmapmtl.testing.LocalStackResource;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/**
 * The packaged artifact as it ships (the fast-jar here; the native executable when built with -Pnative), against a
 * real broker and database: it starts, migrates its schema, reports ready and solves.
 */
@QuarkusIntegrationTest
@io.quarkus.test.junit.TestProfile(org.mmapmtl.testing.TestIdentities.AuthOn.class)
@WithTestResource(LocalStackResource.class)
class GroupingServiceIT {
    static final String ADMIN = org.mmapmtl.testing.TestIdentities.token("ada", "admin");

    @Test
    void packagedServiceIsReadyAndSolves() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().contentType("application/json").body("{}").post("/groupings/solve").then().statusCode(401)
                .contentType("application/problem+json");
        given().auth().oauth2(ADMIN).contentType("application/json")
                .body(Map.of("tasks", List.of("a", "b", "c"),
                        "affinity", new double[][] {{1, .8, -.5}, {.8, 1, -.4}, {-.5, -.4, 1}}))
                .post("/groupings/solve").then().statusCode(200)
                .body("groups", equalTo(List.of(List.of("a", "b"), List.of("c"))));
    }

    @Test
    void badRequestsAreProblems() {
        given().auth().oauth2(ADMIN).contentType("application/json").body("{\"tasks\": [\"a\"], \"affinity\": [[1]], \"bogus\": 1}")
                .post("/groupings/solve").then().statusCode(400)
                .contentType("application/problem+json");
    }
}
