package org.mmapmtl.groupingservice.solve;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.mmapmtl.testing.LocalStackResource;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

@QuarkusTest
@WithTestResource(LocalStackResource.class)
class SolveResourceTest {
    static final List<String> TASKS = List.of("Art", "Clipart", "Product", "Real_World");
    static final double[][] BLOCKS = {{1, -.2, .9, -.1}, {-.2, 1, -.3, .8}, {.9, -.3, 1, -.2}, {-.1, .8, -.2, 1}};

    @Test
    void postedMatrixIsPartitionedExactly() {
        given().contentType("application/json").body(Map.of("tasks", TASKS, "affinity", BLOCKS))
                .post("/groupings/solve").then().statusCode(200)
                .body("groups", equalTo(List.of(List.of("Art", "Product"), List.of("Clipart", "Real_World"))))
                .body("solver", equalTo("exact"));
    }

    @Test
    void exactlyKGroupsOnRequest() {
        given().contentType("application/json").body(Map.of("tasks", TASKS, "affinity", BLOCKS, "objective", "k", "k", 1))
                .post("/groupings/solve").then().statusCode(200)
                .body("groups", equalTo(List.of(TASKS)));
    }

    @Test
    void badMatricesAnswer400NamingTheProblem() {
        given().contentType("application/json").body(Map.of("tasks", List.of("a", "b"), "affinity",
                        new double[][] {{1, 0.5}, {0.1, 1}}))
                .post("/groupings/solve").then().statusCode(400).contentType("application/problem+json")
                .body("errors.message", hasItem(containsString("symmetric")));
        given().contentType("application/json").body(Map.of("tasks", List.of("a", "b"), "affinity",
                        new double[][] {{1, 0.5, 2}, {0.5, 1}}))
                .post("/groupings/solve").then().statusCode(400).body("errors.field", hasItem("affinity[0]"));
        given().contentType("application/json").body("{\"tasks\": [\"a\", \"b\"], \"affinity\": [[1, \"NaN\"], [\"NaN\", 1]]}")
                .post("/groupings/solve").then().statusCode(400).body("errors.field", hasItem("affinity[0][1]"));
        given().contentType("application/json").body(Map.of("tasks", List.of(), "affinity", new double[0][0]))
                .post("/groupings/solve").then().statusCode(400).body("errors.field", hasItem("tasks"));
        given().contentType("application/json").body(Map.of("tasks", TASKS, "affinity", BLOCKS, "objective", "k"))
                .post("/groupings/solve").then().statusCode(400).body("errors.field", hasItem("k"));
    }

    @jakarta.inject.Inject
    SolveResource resource;

    /** Searches beyond mmap.grouping.solve-max-concurrent (2) are told to come back instead of queueing. */
    @Test
    void searchesBeyondTheConcurrentLimitAreToldToRetry() {
        resource.running.tryEnter();
        resource.running.tryEnter();
        try {
            given().contentType("application/json").body(Map.of("tasks", TASKS, "affinity", BLOCKS))
                    .post("/groupings/solve").then().statusCode(503).contentType("application/problem+json")
                    .header("Retry-After", "2").body("detail", containsString("mmap.grouping.solve-max-concurrent"));
        } finally {
            resource.running.leave();
            resource.running.leave();
        }
        given().contentType("application/json").body(Map.of("tasks", TASKS, "affinity", BLOCKS))
                .post("/groupings/solve").then().statusCode(200);
    }

    @Test
    void tooLargeForExactWithoutHeuristicIs400() {
        int n = 20;
        double[][] s = new double[n][n];
        List<String> tasks = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            s[i][i] = 1;
            tasks.add("t" + i);
        }
        given().contentType("application/json").body(Map.of("tasks", tasks, "affinity", s, "allowHeuristic", false))
                .post("/groupings/solve").then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("20 tasks exceed"));
        given().contentType("application/json").body(Map.of("tasks", tasks, "affinity", s))
                .post("/groupings/solve").then().statusCode(200).body("solver", equalTo("heuristic"));
    }

    @Test
    void aRequestCannotAskForMoreWorkThanTheServiceAllows() {
        // the exact search at 24 tasks would allocate gigabytes and run 3^24 steps: capped at mmap.grouping.exact-limit
        given().contentType("application/json").body(Map.of("tasks", TASKS, "affinity", BLOCKS, "exactLimit", 24))
                .post("/groupings/solve").then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItem("exactLimit")).body("errors.message", hasItem(containsString("at most 18")));
        int n = 65; // over mmap.grouping.solve-max-tasks
        double[][] s = new double[n][n];
        List<String> tasks = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            s[i][i] = 1;
            tasks.add("t" + i);
        }
        given().contentType("application/json").body(Map.of("tasks", tasks, "affinity", s))
                .post("/groupings/solve").then().statusCode(413).contentType("application/problem+json")
                .body("detail", containsString("at most 64"));
    }

    @Test
    void malformedJsonIsProblemJson() {
        given().contentType("application/json").body("{\"tasks\": [\"a\"], \"affinity\": [[.8]]}")
                .post("/groupings/solve").then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("not the expected JSON")).body("detail", containsString("column"));
    }
}
