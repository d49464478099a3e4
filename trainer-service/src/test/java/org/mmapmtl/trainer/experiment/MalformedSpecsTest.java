package org.mmapmtl.trainer.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.trainer.run.RunClaimsTest;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Generated malformed experiment specs, posted as a user would: every one is answered 4xx {@code application/problem+json}
 * naming each damaged field (or {@code $} when the body is no spec at all), never a 500 and never accepted. The specs
 * start from a valid one and get one to three damaged fields from a catalogue of wrong types, out-of-range numbers,
 * unknown names, and paths that leave the data roots ({@code ..}, a symbolic link out, absolute paths elsewhere, a
 * NUL byte, names longer than the file system allows); a few are not specs at all (truncated, nested too deep, a YAML
 * alias bomb, larger than accepted). Generated from a fixed seed, so a failure replays.
 */
@QuarkusTest
@TestProfile(RunClaimsTest.WorkerOff.class)
@WithTestResource(LocalStackResource.class)
class MalformedSpecsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int SPECS = 150;
    static final Path ESCAPE_DIR = TestWorld.ROOT.resolve("link-to-etc");
    static final Path ESCAPE_FILE = TestWorld.ROOT.resolve("link-to-passwd.safetensors");

    /** One damaged field: where, what it becomes (null removes it), and the error field that must name it. */
    record Damage(String path, JsonNode value, String field) {
        @Override
        public String toString() {
            return path + " = " + (value == null ? "(removed)" : value.toString().substring(0, Math.min(80, value.toString().length())));
        }
    }

    @BeforeAll
    static void world() throws Exception {
        TestWorld.ensure();
        if (!Files.isSymbolicLink(ESCAPE_DIR)) {
            Files.createSymbolicLink(ESCAPE_DIR, Path.of("/etc"));
        }
        if (!Files.isSymbolicLink(ESCAPE_FILE)) {
            Files.createSymbolicLink(ESCAPE_FILE, Path.of("/etc/passwd"));
        }
    }

    static JsonNode v(Object o) {
        return JSON.valueToTree(o);
    }

    /** Bad values per field of the spec; the field named in the answer is the path itself or an element of it. */
    static Map<String, List<JsonNode>> catalogue() {
        String tooLong = "x".repeat(5000);
        Map<String, List<JsonNode>> c = new LinkedHashMap<>();
        c.put("id", List.of(v("../up"), v("a b"), v(""), v("x".repeat(300)), v(12), v(true), v(List.of())));
        c.put("dataset", List.of(v("folder"), v(3), v(List.of())));
        c.put("dataset.kind", List.of(v("imagenet"), v(7), v("")));
        c.put("dataset.root", List.of(v("/etc"), v("../../../.."), v("/"), v(""), v(tooLong), v("a\u0000b"),
                v(ESCAPE_DIR.toString()), v(5), v(Map.of()), v(TestWorld.ROOT.resolve("nothing-here").toString()),
                v(TestWorld.DATA + "/../../../../../../../../etc")));
        c.put("dataset.percent", List.of(v(-5), v(100.5), v(1e308), v("half"), v(true)));
        c.put("dataset.seed", List.of(v(-1), v("x"), v(1.5)));
        c.put("dataset.tasks", List.of(v(List.of()), v(List.of("nope")), v("photo"), v(List.of(1)), v(List.of("photo", "photo"))));
        c.put("weights", List.of(v("/etc/passwd"), v("../../pom.xml"), v(""), v(tooLong), v("a\u0000b"),
                v(ESCAPE_FILE.toString()), v(3), v(TestWorld.ROOT.resolve("missing.safetensors").toString()),
                v(TestWorld.DATA.toString())));
        c.put("methods", List.of(v(List.of()), v(List.of("nope")), v("coop"), v(List.of(3)), v(List.of("coop", "coop-random"))));
        c.put("seeds", List.of(v(List.of()), v(List.of(-1)), v(List.of("a")), v(List.of(1, 1)), v(5),
                v(java.util.stream.IntStream.range(0, 500).boxed().toList())));
        c.put("recipe", List.of(v("fast"), v(1)));
        c.put("recipe.epochs", List.of(v(0), v(-1), v("x"), v(2.5), v(1_000_001)));
        c.put("recipe.batchSize", List.of(v(0), v(-4), v("x"), v(1 << 30)));
        c.put("recipe.learningRate", List.of(v(-1), v(0), v("x")));
        c.put("recipe.momentum", List.of(v(1), v(-0.5)));
        c.put("recipe.weightDecay", List.of(v(-1)));
        c.put("recipe.warmupEpochs", List.of(v(-1), v(99)));
        c.put("recipe.sampling", List.of(v("x"), v(2)));
        c.put("recipe.precision", List.of(v("fp16"), v(16)));
        c.put("prompt", List.of(v("long"), v(List.of(1))));
        c.put("prompt.length", List.of(v(-1), v(65), v(100_000)));
        c.put("prompt.depth", List.of(v(-1), v(49)));
        c.put("prompt.m", List.of(v(-1), v(65)));
        c.put("prompt.n", List.of(v(-1), v(4097), v(1_000_000_000)));
        c.put("grouping.snapshots", List.of(v(0), v(-1), v(100_000)));
        c.put("grouping.snapshotEvery", List.of(v(-1), v("often")));
        c.put("grouping.objective", List.of(v("x"), v(1)));
        c.put("grouping.k", List.of(v(0), v(99)));
        c.put("grouping.tau", List.of(v("x"), v(2e6), v(-1.7e308)));
        c.put("grouping.similarity", List.of(v("l2")));
        c.put("device", List.of(v("tpu"), v(3)));
        c.put("epochs", List.of(v(3))); // unknown top-level names
        c.put("recipe.epoch", List.of(v(2)));
        c.put("dataset.percentage", List.of(v(50)));
        return c;
    }

    /** One damaged field, drawn from the catalogue and the two damages that need more than one change. */
    static Damage damage(Random random, Map<String, List<JsonNode>> catalogue) {
        int pick = random.nextInt(catalogue.size() + 2);
        if (pick == catalogue.size()) { // percent and shots are either-or: shots alone, out of range
            List<JsonNode> shots = List.of(v(0), v(-3), v("x"), v(1e12));
            return new Damage("dataset.shots!", shots.get(random.nextInt(shots.size())), "dataset.shots");
        }
        if (pick == catalogue.size() + 1) { // a required field missing
            List<String> required = List.of("dataset", "weights", "methods", "dataset.root");
            String path = required.get(random.nextInt(required.size()));
            return new Damage(path, null, path);
        }
        var entry = new ArrayList<>(catalogue.entrySet()).get(pick);
        return new Damage(entry.getKey(), entry.getValue().get(random.nextInt(entry.getValue().size())), entry.getKey());
    }

    /** One to three damages on different top-level fields (damaging a whole object and one of its fields conflicts). */
    static List<Damage> damages(Random random, Map<String, List<JsonNode>> catalogue) {
        int count = 1 + random.nextInt(3);
        List<Damage> ds = new ArrayList<>();
        while (ds.size() < count) {
            Damage d = damage(random, catalogue);
            String top = d.path().split("\\.")[0];
            if (ds.stream().noneMatch(o -> o.path().split("\\.")[0].equals(top))) {
                ds.add(d);
            }
        }
        return ds;
    }

    static ObjectNode damaged(List<Damage> damages) throws Exception {
        ObjectNode spec = (ObjectNode) JSON.readTree(TestWorld.spec("fuzz", "[\"coop-mt\", \"mmap\"]", 1));
        for (Damage d : damages) {
            String path = d.path();
            if (path.equals("dataset.shots!")) {
                ((ObjectNode) spec.get("dataset")).remove("percent");
                path = "dataset.shots";
            }
            String[] parts = path.split("\\.");
            ObjectNode parent = spec;
            for (int i = 0; i < parts.length - 1; i++) {
                if (!(parent.get(parts[i]) instanceof ObjectNode)) {
                    parent.set(parts[i], NODES.objectNode());
                }
                parent = (ObjectNode) parent.get(parts[i]);
            }
            if (d.value() == null) {
                parent.remove(parts[parts.length - 1]);
            } else {
                parent.set(parts[parts.length - 1], d.value());
            }
        }
        if (spec.path("grouping").has("k") && !spec.path("grouping").has("objective")) {
            ((ObjectNode) spec.get("grouping")).put("objective", "k"); // so that k is judged by its value
        }
        return spec;
    }

    /** Bodies that are no spec at all: answered 400 with the field "$", or 413 when too large. */
    static List<byte[]> notSpecs() {
        List<byte[]> b = new ArrayList<>();
        for (String s : List.of("{", "[]", "null", "42", "\"spec\"", "{\"dataset\": ", "{} {}", "[".repeat(100_000),
                "{\"a\":".repeat(50_000))) {
            b.add(s.getBytes(StandardCharsets.UTF_8));
        }
        b.add(new byte[] {(byte) 0xff, (byte) 0xfe, 0x00, 0x7b});
        return b;
    }

    @Test
    void everyGeneratedMalformedSpecIsAnswered4xxNamingTheDamagedFields() throws Exception {
        Random random = new Random(20261130L);
        Map<String, List<JsonNode>> catalogue = catalogue();
        Map<String, Integer> answers = new TreeMap<>();
        // every entry of the catalogue alone once, then random combinations of one to three
        List<List<Damage>> cases = new ArrayList<>();
        catalogue.forEach((path, values) -> values.forEach(value -> cases.add(List.of(new Damage(path, value, path)))));
        int single = cases.size();
        for (int i = 0; i < SPECS; i++) {
            cases.add(damages(random, catalogue));
        }
        for (List<Damage> damages : cases) {
            ObjectNode spec = damaged(damages);
            Response r = given().contentType("application/json").body(JSON.writeValueAsBytes(spec)).post("/experiments");
            String what = damages + " -> " + r.statusCode() + " " + r.asString();
            assertThat(r.statusCode()).as(what).isBetween(400, 499);
            assertThat(r.contentType()).as(what).startsWith("application/problem+json");
            assertThat(r.asString()).as("an answer names fields, not our classes: " + what).doesNotContain("org.mmapmtl");
            List<String> fields = r.jsonPath().getList("errors.field", String.class);
            for (Damage d : damages) {
                assertThat(fields).as(what).anyMatch(f -> f.equals(d.field()) || f.startsWith(d.field() + "[")
                        || f.startsWith(d.field() + "."));
            }
            answers.merge(Integer.toString(r.statusCode()), 1, Integer::sum);
        }
        for (byte[] body : notSpecs()) {
            Response r = given().contentType("application/json").body(body).post("/experiments");
            String what = new String(body, 0, Math.min(body.length, 40), StandardCharsets.UTF_8) + " -> "
                    + r.statusCode() + " " + r.asString();
            assertThat(r.statusCode()).as(what).isEqualTo(400);
            assertThat(r.contentType()).as(what).startsWith("application/problem+json");
            assertThat(r.jsonPath().getList("errors.field", String.class)).as(what).contains("$");
            answers.merge("not a spec: " + r.statusCode(), 1, Integer::sum);
        }
        String bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + java.util.stream.IntStream.range(1, 12)
                .mapToObj(i -> (char) ('a' + i) + ": &" + (char) ('a' + i) + " [" + ("*" + (char) ('a' + i - 1) + ", ").repeat(8)
                        + "*" + (char) ('a' + i - 1) + "]").reduce("", (x, y) -> x + y + "\n");
        Response yaml = given().contentType("application/yaml").body(bomb.getBytes(StandardCharsets.UTF_8)).post("/experiments");
        assertThat(yaml.statusCode()).as(yaml.asString()).isEqualTo(400);
        assertThat(yaml.contentType()).startsWith("application/problem+json");
        Response huge = given().contentType("application/json")
                .body(("{\"id\": \"" + "x".repeat(2_000_000) + "\"}").getBytes(StandardCharsets.UTF_8)).post("/experiments");
        assertThat(huge.statusCode()).as(huge.asString()).isEqualTo(413);
        assertThat(huge.contentType()).startsWith("application/problem+json");
        given().get("/experiments/{id}", "fuzz").then().statusCode(404);
        System.out.println("malformed specs: " + single + " single damages + " + SPECS + " generated + " + (notSpecs().size() + 2) + " not specs, answers " + answers);
    }
}
