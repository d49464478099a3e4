package org.mmapmtl.groupingservice.access;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.testing.TestIdentities;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.oneOf;

/** Viewers read groupings; only admins ask the service to solve one (work on demand), one assertion per cell. */
@QuarkusTest
@TestProfile(TestIdentities.AuthOn.class)
@WithTestResource(LocalStackResource.class)
class GroupingAccessTest {
    static final String SOLVE = """
            {"tasks": ["a", "b", "c"], "affinity": [[1, 0.5, -0.2], [0.5, 1, 0.1], [-0.2, 0.1, 1]]}""";

    static RequestSpecification as(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    @Test
    void readingAGroupingNeedsAViewer() {
        given().get("/groupings/unknown").then().statusCode(401).contentType("application/problem+json");
        as(TestIdentities.foreign("vera", "viewer")).get("/groupings/unknown").then().statusCode(401);
        for (String role : new String[] {"viewer", "researcher", "admin"}) {
            as(TestIdentities.token("vera", role)).get("/groupings/unknown").then().statusCode(not(oneOf(401, 403)));
        }
    }

    @Test
    void solvingNeedsAnAdmin() {
        given().contentType(ContentType.JSON).body(SOLVE).post("/groupings/solve").then().statusCode(401);
        for (String role : new String[] {"viewer", "researcher"}) {
            as(TestIdentities.token("rita", role)).contentType(ContentType.JSON).body(SOLVE).post("/groupings/solve")
                    .then().statusCode(403).contentType("application/problem+json")
                    .body("detail", containsString("role admin"));
        }
        as(TestIdentities.token("ada", "admin")).contentType(ContentType.JSON).body(SOLVE).post("/groupings/solve")
                .then().statusCode(not(oneOf(401, 403)));
    }
}
