package org.mmapmtl.trainer.experiment;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.trainer.run.RunClaimsTest;

import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItems;

/** GET /experiments answers one page at a time, newest first, never more than the configured maximum. */
@QuarkusTest
@TestProfile(RunClaimsTest.WorkerOff.class)
@WithTestResource(LocalStackResource.class)
class ExperimentListingTest {

    @BeforeAll
    static void world() {
        TestWorld.ensure();
    }

    @Test
    void experimentsArePagedNewestFirstWithLinksToTheRest() {
        for (int i = 0; i < 5; i++) {
            given().contentType(ContentType.JSON).body(TestWorld.spec("listed-" + i, "[\"coop-mt\"]", 1))
                    .post("/experiments").then().statusCode(201);
        }
        Response first = given().get("/experiments?limit=2");
        first.then().statusCode(200);
        long total = Long.parseLong(first.header("X-Total-Count"));
        assertThat(total).isGreaterThanOrEqualTo(5);
        assertThat(first.jsonPath().getList("id", String.class)).containsExactly("listed-4", "listed-3");
        assertThat(first.header("Link")).contains("offset=2").contains("limit=2").contains("rel=\"next\"")
                .doesNotContain("rel=\"prev\"");

        List<String> all = new ArrayList<>();
        for (int offset = 0; offset < total; offset += 2) {
            all.addAll(given().get("/experiments?limit=2&offset=" + offset).jsonPath().getList("id", String.class));
        }
        assertThat(all).hasSize((int) total).doesNotHaveDuplicates()
                .containsSubsequence("listed-4", "listed-3", "listed-2", "listed-1", "listed-0");
        Response last = given().get("/experiments?limit=2&offset=" + (total - 1));
        assertThat(last.jsonPath().getList("id")).hasSize(1);
        assertThat(last.header("Link")).contains("rel=\"prev\"").doesNotContain("rel=\"next\"");
        given().get("/experiments").then().statusCode(200).body("id", hasItems("listed-0", "listed-4"));
    }

    @Test
    void pagesBeyondTheMaximumOrOutOfRangeAreProblems() {
        given().get("/experiments?limit=100000&offset=-3").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", hasItems("limit", "offset"))
                .body("errors[0].message", containsString("between 1 and 500"));
        given().get("/experiments?limit=0").then().statusCode(400).body("errors.field", hasItems("limit"));
        given().get("/experiments?limit=many").then().statusCode(400).contentType("application/problem+json");
    }
}
