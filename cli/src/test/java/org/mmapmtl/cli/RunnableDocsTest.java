package org.mmapmtl.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The documentation's walk, pasted in order as a newcomer would: every shell block marked {@code <!-- runnable -->}
 * in the README and in docs/ runs, command by command, against a live `mmap up`, in a folder laid out like a checkout
 * (the services' jars, {@code examples/}, an {@code ./mmap} that runs this build's CLI). Each command must exit 0, or
 * the code its own comment promises ("(exit 5)"). Two things differ from a user's walk, both to keep the build's time:
 * the services listen on free ports (the commands' {@code localhost:8081/8082/8083} are rewritten to them, and the CLI
 * gets {@code MMAP_TRAINER_URL}/{@code MMAP_EVAL_URL}), and {@code examples/generated.yaml} trains three methods on
 * one seed instead of seven on two. And curl fails on an HTTP error status, which a pasted {@code curl -s} would
 * not tell.
 */
class RunnableDocsTest {
    static final String MARKER = "<!-- runnable -->";
    /** The walk's order: the README first, then the pages that build on its experiment. */
    static final List<String> PAGES = List.of("README.md", "docs/experiments.md", "docs/clip-and-datasets.md");
    private static final Pattern EXPECTED_EXIT = Pattern.compile("\\(exit (\\d+)\\)");

    /** curl answers 0 for a 404; in the walk an HTTP error must fail the command (the body is still printed). */
    private static final String FAILING_CURL = "curl() { command curl --fail-with-body \"$@\"; }\n";

    @TempDir
    Path checkout;

    record Command(String page, int line, String text, int expectedExit) {
    }

    /** The commands of every marked block of one page, a line continued with {@code \} joined to the next. */
    static List<Command> commands(String page, List<String> lines) {
        List<Command> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).trim().equals(MARKER)) {
                continue;
            }
            assertThat(lines.get(i + 1)).as(page + ":" + (i + 2) + " must open a ```bash block after " + MARKER)
                    .isEqualTo("```bash");
            StringBuilder command = new StringBuilder();
            int start = 0;
            for (int j = i + 2; !lines.get(j).startsWith("```"); j++) {
                String line = lines.get(j);
                if (command.isEmpty()) {
                    if (line.isBlank() || line.trim().startsWith("#")) {
                        continue;
                    }
                    start = j + 1;
                }
                if (line.endsWith("\\")) {
                    command.append(line, 0, line.length() - 1).append(' ');
                    continue;
                }
                command.append(line);
                Matcher exit = EXPECTED_EXIT.matcher(line.contains("#") ? line.substring(line.indexOf('#')) : "");
                out.add(new Command(page, start, command.toString(), exit.find() ? Integer.parseInt(exit.group(1)) : 0));
                command.setLength(0);
            }
        }
        return out;
    }

    @Test
    void everyMarkedCommandWorksPastedInOrder() throws Exception {
        Path home = Path.of("..").toAbsolutePath().normalize();
        List<Command> walk = new ArrayList<>();
        for (String page : PAGES) {
            walk.addAll(commands(page, Files.readAllLines(home.resolve(page))));
        }
        assertThat(walk).as("runnable commands in " + PAGES).hasSizeGreaterThan(20);
        layOut(home);

        int trainer = UpCommandTest.freePort();
        int grouping = UpCommandTest.freePort();
        int eval = UpCommandTest.freePort();
        Process up = new ProcessBuilder(List.of(java(), "-cp", System.getProperty("java.class.path"),
                "-Dmmap.home=" + checkout, "org.mmapmtl.cli.Mmap", "up", "--kafka-port", "0", "--postgres-port", "0",
                "--trainer-port", Integer.toString(trainer), "--grouping-port", Integer.toString(grouping),
                "--eval-port", Integer.toString(eval), "--ready-timeout", "240"))
                .directory(checkout.toFile()).redirectErrorStream(true).start();
        // up's output is read on a thread of its own to the end: closing a reader another thread is blocked in
        // would wait for that read, which only up's exit ends
        List<String> upOutput = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
        Thread reader = new Thread(() -> new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8))
                .lines().forEach(line -> {
                    upOutput.add(line);
                    if (line.contains("All services are UP.")) {
                        ready.countDown();
                    }
                }), "up-output");
        reader.setDaemon(true);
        reader.start();
        try {
            assertThat(ready.await(300, TimeUnit.SECONDS) && up.isAlive())
                    .as(() -> {
                        // up goes on printing after it is UP: read its lines under the list's lock, and only on failure
                        synchronized (upOutput) {
                            return "mmap up did not come UP:\n" + String.join("\n", upOutput);
                        }
                    }).isTrue();

            long started = System.nanoTime();
            for (Command c : walk) {
                String text = c.text().replace("localhost:8081", "localhost:" + trainer)
                        .replace("localhost:8082", "localhost:" + grouping).replace("localhost:8083", "localhost:" + eval);
                ProcessBuilder shell = new ProcessBuilder("bash", "-o", "pipefail", "-c", FAILING_CURL + text).directory(checkout.toFile())
                        .redirectErrorStream(true);
                shell.environment().put("MMAP_TRAINER_URL", "http://localhost:" + trainer);
                shell.environment().put("MMAP_EVAL_URL", "http://localhost:" + eval);
                Process p = shell.start();
                String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
                System.out.printf("docs> %s:%d exit %d  %s%n", c.page(), c.line(), p.exitValue(), text);
                assertThat(p.exitValue()).as("%s:%d `%s` printed:%n%s%n--- errors in the service logs:%n%s", c.page(),
                        c.line(), text, output, DemoCommandTest.errors(checkout.resolve(".mmap/logs")))
                        .isEqualTo(c.expectedExit());
            }
            System.out.printf("docs> %d commands from %s in %d s%n", walk.size(), PAGES,
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
        } finally {
            up.destroy(); // SIGTERM: up stops its services, Kafka and PostgreSQL
            if (!up.waitFor(120, TimeUnit.SECONDS)) {
                up.descendants().forEach(ProcessHandle::destroyForcibly);
                up.destroyForcibly();
            }
        }
    }

    /** A folder that looks like a checkout to the walk: the built services, the examples, and {@code ./mmap}. */
    private void layOut(Path home) throws IOException {
        for (String service : List.of("trainer-service", "grouping-service", "eval-service")) {
            Path jar = home.resolve(service).resolve("target/quarkus-app");
            assertThat(jar.resolve("quarkus-run.jar")).as("the services must be packaged before this test; run ./mvnw verify from the root").exists();
            Files.createDirectories(checkout.resolve(service).resolve("target"));
            Files.createSymbolicLink(checkout.resolve(service).resolve("target/quarkus-app"), jar);
        }
        Files.createDirectories(checkout.resolve("examples"));
        try (var files = Files.list(home.resolve("examples"))) {
            for (Path f : files.toList()) {
                Files.copy(f, checkout.resolve("examples").resolve(f.getFileName()));
            }
        }
        Path spec = checkout.resolve("examples/generated.yaml");
        String yaml = Files.readString(spec);
        String smaller = yaml.replace("methods: [zero-shot, coop-mt, vpt-mt, maple-mt, mmap, mmap-random, mmap-all-in-one]",
                "methods: [zero-shot, coop-mt, mmap]").replace("seeds: [1, 2]", "seeds: [1]")
                .replace("recipe: {epochs: 8,", "recipe: {epochs: 3,");
        assertThat(smaller.split("\n")).as("examples/generated.yaml changed its methods, seeds or epochs: update this "
                + "test's smaller version of it").contains("methods: [zero-shot, coop-mt, mmap]", "seeds: [1]")
                .anyMatch(l -> l.startsWith("recipe: {epochs: 3,"));
        Files.writeString(spec, smaller);
        Path mmap = checkout.resolve("mmap");
        Files.writeString(mmap, "#!/usr/bin/env bash\nexec '" + java() + "' -cp '" + System.getProperty("java.class.path")
                + "' -Dmmap.home='" + checkout + "' -Dai.djl.offline=true org.mmapmtl.cli.Mmap \"$@\"\n");
        Files.setPosixFilePermissions(mmap, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
