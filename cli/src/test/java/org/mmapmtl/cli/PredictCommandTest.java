package org.mmapmtl.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** ./mmap predict on files it makes itself: random tiny CLIP weights and a generated image. */
class PredictCommandTest {

    record Outcome(int exit, String out, String err) {
    }

    static Outcome run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = Mmap.commandLine().execute(args);
            return new Outcome(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void zeroShotPredictionsListTheMostProbableClassesAndBadInputIsNamed(@TempDir Path dir) throws Exception {
        Path weights = dir.resolve("tiny.safetensors");
        assertThat(run("init-weights", "--out", weights.toString()).exit()).isZero();
        assertThat(run("gen-data", "--out", dir.resolve("data").toString(), "--classes", "3", "--domains", "1",
                "--per-class", "1").exit()).isZero();
        Path image;
        try (var files = Files.walk(dir.resolve("data"))) {
            image = files.filter(f -> f.toString().endsWith(".png")).findFirst().orElseThrow();
        }

        Outcome ok = run("predict", "--weights", weights.toString(), "--classes", "cat,dog,bird", "--top", "2",
                "--image", image.toString());
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ok.out()).contains(image.toString()).contains("zero-shot").containsPattern("(cat|dog|bird) \\d+\\.\\d%");

        Outcome json = run("predict", "--weights", weights.toString(), "--classes", "cat,dog", "--json",
                "--image", image.toString());
        assertThat(json.exit()).isZero();
        assertThat(json.out()).contains("\"classes\"").contains("\"probability\"").contains("\"logit\"");

        Path outFile = dir.resolve("out/predictions.json");
        Outcome written = run("predict", "--weights", weights.toString(), "--classes", "cat,dog", "--out",
                outFile.toString(), "--image", image.toString());
        assertThat(written.exit()).as(written.err()).isZero();
        var tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(outFile.toFile());
        var classes = tree.at("/images/0/tasks/zero-shot/classes");
        assertThat(classes.size()).isEqualTo(2);
        double p0 = classes.get(0).get("probability").asDouble();
        double p1 = classes.get(1).get("probability").asDouble();
        double l0 = classes.get(0).get("logit").asDouble();
        double l1 = classes.get(1).get("logit").asDouble();
        assertThat(p0 + p1).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(p0 / p1).isCloseTo(Math.exp(l0 - l1), org.assertj.core.data.Offset.offset(1e-6 * p0 / p1));

        Outcome noClasses = run("predict", "--weights", weights.toString(), "--image", image.toString());
        assertThat(noClasses.exit()).isEqualTo(2);
        assertThat(noClasses.err()).contains("--classes");

        Path notImage = dir.resolve("notes.png");
        Files.writeString(notImage, "text");
        Outcome bad = run("predict", "--weights", weights.toString(), "--classes", "a,b", "--image", notImage.toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("notes.png");

        Outcome missing = run("predict", "--weights", weights.toString(), "--classes", "a,b", "--image", "no-such.jpg");
        assertThat(missing.exit()).as("a missing file is 'not found'").isEqualTo(3);
        assertThat(missing.err().strip()).isEqualTo("mmap predict: no such file no-such.jpg");

        Outcome noWeights = run("predict", "--weights", "no-such.safetensors", "--classes", "a,b", "--image", image.toString());
        assertThat(noWeights.exit()).isEqualTo(3);
        assertThat(noWeights.err().strip()).isEqualTo("mmap predict: no such file no-such.safetensors");

        Outcome notCheckpoint = run("predict", "--weights", weights.toString(), "--checkpoint", weights.toString(),
                "--image", image.toString());
        assertThat(notCheckpoint.exit()).isEqualTo(2);
        assertThat(notCheckpoint.err()).contains("not an mmap checkpoint");
    }

    @Test
    void aFailingCommandSaysWhatIsWrongInOneLine(@TempDir Path dir) throws Exception {
        Outcome arch = run("bench", "params", "--arch", "ViT-X", "--out", dir.resolve("p.json").toString());
        assertThat(arch.exit()).isEqualTo(2);
        assertThat(arch.err().strip()).isEqualTo("mmap bench params: unknown architecture 'ViT-X': use one of "
                + "[tiny, tiny-deep, ViT-B-32, ViT-B-16, ViT-L-14]");

        Path file = Files.writeString(dir.resolve("a-file"), "x");
        Outcome intoFile = run("gen-data", "--out", file.toString());
        assertThat(intoFile.exit()).isEqualTo(2);
        assertThat(intoFile.err().strip()).doesNotContain("\n").contains("a-file").contains("is a file");

        assertThat(run("gen-data", "--out", dir.resolve("d").toString(), "--domains", "1", "--classes", "2",
                "--per-class", "1").exit()).isZero();
        Outcome same = run("gen-data", "--out", dir.resolve("d").toString(), "--domains", "1", "--classes", "2",
                "--per-class", "1");
        assertThat(same.exit()).as(same.err()).isZero(); // the same settings again: the same pixels, nothing mixed
        Outcome again = run("gen-data", "--out", dir.resolve("d").toString(), "--domains", "1");
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains("already holds other files").contains("--force");

        Outcome none = run("bench", "data", "--images", "0", "--out", dir.resolve("d.json").toString());
        assertThat(none.exit()).isNotZero();
        assertThat(none.err().strip().lines()).hasSize(1);
        assertThat(none.err()).startsWith("mmap bench data: ").doesNotContain("Exception");

        // import: a wrong source is usage, a missing file not found, a file of another kind names what it lacks
        Outcome source = run("import", "--from", "copo", file.toString(), "--weights", file.toString(), "--out", "x");
        assertThat(source.exit()).isEqualTo(2);
        assertThat(source.err().strip()).isEqualTo("mmap import: --from 'copo' must be coop or maple");
        Outcome missing = run("import", "--from", "maple", dir.resolve("nope.safetensors").toString(), "--weights",
                file.toString(), "--out", "x");
        assertThat(missing.exit()).isEqualTo(3);
        assertThat(missing.err()).contains("no such file").contains("nope.safetensors");
        Outcome notSafetensors = run("import", "--from", "maple", file.toString(), "--weights", file.toString(), "--out", "x");
        assertThat(notSafetensors.exit()).as(notSafetensors.err()).isNotZero();
        assertThat(notSafetensors.err().strip().lines()).hasSize(1);
        assertThat(notSafetensors.err()).startsWith("mmap import: ").contains("a-file").doesNotContain("Exception");
    }
}
