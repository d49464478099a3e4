package org.mmapmtl.groupingservice.solve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;
import org.mmapmtl.testing.LocalStackResource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.BiConsumer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Generated malformed requests to {@code POST /groupings/solve}: each is answered 400 (413 when larger than the
 * service solves) as {@code application/problem+json} naming the damaged field, never a 500, and within a second or
 * two, so none reaches a search that costs more than the service's configured limits. A valid request of random size
 * (2 to 8 tasks) is damaged in one to three ways from a catalogue (a matrix of the wrong size, asymmetric, holding
 * strings or non-numbers, tasks missing, repeated or not names, an objective, k, tau or exact limit out of range, more
 * tasks than the service accepts); every entry alone once, then 150 seeded combinations.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class MalformedSolveRequestsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int GENERATED = 150;

    /** One damage: what it does to a request of n tasks, and the fields that may name it. */
    record Damage(String what, BiConsumer<ObjectNode, Random> apply, List<String> fields) {
        @Override
        public String toString() {
            return what;
        }
    }

    static ObjectNode valid(Random random) {
        int n = 2 + random.nextInt(7);
        ObjectNode r = JSON.createObjectNode();
        ArrayNode tasks = r.putArray("tasks");
        for (int i = 0; i < n; i++) {
            tasks.add("task-" + i);
        }
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            a[i][i] = 1;
            for (int j = i + 1; j < n; j++) {
                a[i][j] = a[j][i] = Math.round((random.nextDouble() * 2 - 1) * 100) / 100.0;
            }
        }
        r.set("affinity", JSON.valueToTree(a));
        return r;
    }

    static int n(ObjectNode r) {
        return r.get("tasks").size();
    }

    static ArrayNode row(ObjectNode r, int i) {
        return (ArrayNode) r.get("affinity").get(i);
    }

    static List<Damage> catalogue() {
        List<Damage> c = new ArrayList<>();
        c.add(new Damage("tasks missing", (r, g) -> r.remove("tasks"), List.of("tasks")));
        c.add(new Damage("tasks empty", (r, g) -> r.putArray("tasks"), List.of("tasks")));
        c.add(new Damage("tasks a string", (r, g) -> r.put("tasks", "a,b"), List.of("tasks")));
        c.add(new Damage("a task repeated", (r, g) -> ((ArrayNode) r.get("tasks")).set(1, r.get("tasks").get(0)), List.of("tasks")));
        c.add(new Damage("a task null", (r, g) -> ((ArrayNode) r.get("tasks")).set(0, JSON.nullNode()), List.of("tasks", "tasks[0]")));
        c.add(new Damage("a task blank", (r, g) -> ((ArrayNode) r.get("tasks")).set(0, " "), List.of("tasks", "tasks[0]")));
        c.add(new Damage("a task a number", (r, g) -> ((ArrayNode) r.get("tasks")).set(0, JSON.valueToTree(Map.of("x", 1))), List.of("tasks[0]")));
        c.add(new Damage("a task name of 10000 characters", (r, g) -> ((ArrayNode) r.get("tasks")).set(0, "x".repeat(10_000)),
                List.of("tasks", "tasks[0]")));
        c.add(new Damage("one task more than rows", (r, g) -> ((ArrayNode) r.get("tasks")).add("extra"), List.of("affinity")));
        c.add(new Damage("affinity missing", (r, g) -> r.remove("affinity"), List.of("affinity")));
        c.add(new Damage("affinity a number", (r, g) -> r.put("affinity", 1), List.of("affinity")));
        c.add(new Damage("a row too short", (r, g) -> row(r, g.nextInt(r.get("affinity").size())).remove(0), List.of("affinity[")));
        c.add(new Damage("a row null", (r, g) -> ((ArrayNode) r.get("affinity")).set(0, JSON.nullNode()), List.of("affinity[0]")));
        c.add(new Damage("a cell a word", (r, g) -> row(r, 0).set(1, "high"), List.of("affinity[0][1]")));
        c.add(new Damage("a cell NaN", (r, g) -> row(r, 0).set(1, "NaN"), List.of("affinity[0][1]")));
        c.add(new Damage("a cell Infinity", (r, g) -> row(r, 1).set(0, "Infinity"), List.of("affinity[1][0]")));
        c.add(new Damage("a cell 1e400", (r, g) -> row(r, 0).set(1, new java.math.BigDecimal("1e400")), List.of("affinity[0][1]")));
        c.add(new Damage("asymmetric", (r, g) -> row(r, 0).set(1, row(r, 1).get(0).asDouble() + 0.5), List.of("affinity[0][1]")));
        c.add(new Damage("a cell an array", (r, g) -> row(r, 0).set(0, JSON.createArrayNode().add(1)), List.of("affinity[0][0]")));
        c.add(new Damage("cells near the largest double", (r, g) -> {
            row(r, 0).set(1, -1.7e308);
            row(r, 1).set(0, -1.7e308);
        }, List.of("affinity[0][1]", "affinity[1][0]")));
        c.add(new Damage("tau near the largest double", (r, g) -> r.put("tau", 1.7e308), List.of("tau")));
        c.add(new Damage("unknown objective", (r, g) -> r.put("objective", "median"), List.of("objective")));
        c.add(new Damage("objective a number", (r, g) -> r.put("objective", 3), List.of("objective")));
        c.add(new Damage("k without k", (r, g) -> r.put("objective", "k"), List.of("k")));
        c.add(new Damage("k zero", (r, g) -> { r.put("objective", "k"); r.put("k", 0); }, List.of("k")));
        c.add(new Damage("k above the tasks", (r, g) -> { r.put("objective", "k"); r.put("k", 20); }, List.of("k"))); // above any task count here
        c.add(new Damage("k a word", (r, g) -> { r.put("objective", "k"); r.put("k", "two"); }, List.of("k")));
        c.add(new Damage("tau with mean-centred", (r, g) -> { r.put("objective", "mean-centred"); r.put("tau", 0.1); }, List.of("tau")));
        c.add(new Damage("tau a word", (r, g) -> r.put("tau", "zero"), List.of("tau")));
        c.add(new Damage("exact limit negative", (r, g) -> r.put("exactLimit", -1), List.of("exactLimit")));
        c.add(new Damage("exact limit above the service's", (r, g) -> r.put("exactLimit", 24), List.of("exactLimit")));
        c.add(new Damage("exact limit huge", (r, g) -> r.put("exactLimit", 1L << 40), List.of("exactLimit")));
        c.add(new Damage("allowHeuristic a list", (r, g) -> r.putArray("allowHeuristic"), List.of("allowHeuristic")));
        c.add(new Damage("seed a word", (r, g) -> r.put("seed", "lucky"), List.of("seed")));
        c.add(new Damage("unknown field", (r, g) -> r.put("restarts", 1_000_000), List.of("restarts")));
        return c;
    }

    /** Damages that can go together: each touches a different part of the request. */
    static String part(Damage d) {
        String f = d.fields().get(0);
        return d.what().equals("one task more than rows") ? "tasks" : f.startsWith("affinity") ? "affinity"
                : f.startsWith("tasks") ? "tasks"
                : List.of("objective", "k", "tau").contains(f) ? "objective" : f;
    }

    static Response post(byte[] body) {
        return given().contentType("application/json").body(body).post("/groupings/solve");
    }

    @Test
    void everyMalformedRequestIsAnswered4xxNamingTheField() throws Exception {
        Random random = new Random(20261130L);
        List<Damage> catalogue = catalogue();
        List<List<Damage>> cases = new ArrayList<>();
        catalogue.forEach(d -> cases.add(List.of(d)));
        while (cases.size() < catalogue.size() + GENERATED) {
            List<Damage> ds = new ArrayList<>();
            int count = 1 + random.nextInt(3);
            while (ds.size() < count) {
                Damage d = catalogue.get(random.nextInt(catalogue.size()));
                if (ds.stream().noneMatch(o -> part(o).equals(part(d)))) {
                    ds.add(d);
                }
            }
            cases.add(ds);
        }
        Map<String, Integer> answers = new TreeMap<>();
        long slowest = 0;
        for (List<Damage> damages : cases) {
            ObjectNode request = valid(random);
            damages.forEach(d -> d.apply().accept(request, random));
            long began = System.nanoTime();
            Response r = post(JSON.writeValueAsBytes(request));
            slowest = Math.max(slowest, System.nanoTime() - began);
            String what = damages + " on " + request.toString().substring(0, Math.min(300, request.toString().length()))
                    + " -> " + r.statusCode() + " " + r.asString();
            assertThat(r.statusCode()).as(what).isEqualTo(400);
            assertThat(r.contentType()).as(what).startsWith("application/problem+json");
            assertThat(r.asString()).as("an answer names fields, not our classes: " + what).doesNotContain("org.mmapmtl");
            List<String> fields = r.jsonPath().getList("errors.field", String.class);
            // a body the JSON reader rejects stops at its first damage; the others are named once it is readable
            boolean unreadable = r.jsonPath().getString("detail").startsWith("the request body is not the expected JSON");
            List<Damage> named = unreadable ? damages.stream().filter(d -> fields.stream().anyMatch(f -> names(d, f))).toList()
                    : damages;
            assertThat(named).as(what).isNotEmpty();
            for (Damage d : named) {
                assertThat(fields).as(what).anyMatch(f -> names(d, f));
            }
            answers.merge(unreadable ? "400 unreadable" : "400", 1, Integer::sum);
        }
        // more tasks than the service partitions per request: 413 before any search
        ObjectNode big = JSON.createObjectNode();
        ArrayNode tasks = big.putArray("tasks");
        for (int i = 0; i < 200; i++) {
            tasks.add("t" + i);
        }
        big.set("affinity", JSON.valueToTree(new double[200][200]));
        Response r = post(JSON.writeValueAsBytes(big));
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(413);
        assertThat(r.contentType()).startsWith("application/problem+json");
        String validThenJunk = JSON.writeValueAsString(valid(random)) + " {\"tasks\": []}";
        for (String body : List.of("", "{", "[]", "null", "7", validThenJunk, "[".repeat(100_000))) {
            r = post(body.getBytes(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).as(body.substring(0, Math.min(40, body.length())) + " -> " + r.asString()).isEqualTo(400);
            assertThat(r.contentType()).startsWith("application/problem+json");
            assertThat(r.asString()).doesNotContain("org.mmapmtl");
        }
        System.out.printf("malformed solve requests: %d (%d single damages), answers %s, slowest %.0f ms%n",
                cases.size(), catalogue.size(), answers, slowest / 1e6);
        assertThat(slowest / 1e9).as("no malformed request reaches a long search").isLessThan(5);
    }

    static boolean names(Damage d, String field) {
        return d.fields().stream().anyMatch(f -> field.equals(f) || field.startsWith(f.endsWith("[") ? f : f + "[")
                || field.startsWith(f + "."));
    }
}
