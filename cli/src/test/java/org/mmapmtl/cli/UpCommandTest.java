package org.mmapmtl.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `mmap up` as a user runs it: a separate JVM that starts Kafka, PostgreSQL and the three service jars this build
 * packaged, reports them UP, and on SIGTERM leaves no process behind. Runs in the full build, after the services
 * have been packaged.
 */
class UpCommandTest {
    @TempDir
    Path state;

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void bringsAllServicesUpAndSigtermLeavesNoProcessBehind() throws Exception {
        Path home = Path.of("..").toAbsolutePath().normalize();
        for (String service : List.of("trainer-service", "grouping-service", "eval-service")) {
            assertThat(home.resolve(service).resolve("target/quarkus-app/quarkus-run.jar"))
                    .as("the services must be packaged before this test; run ./mvnw verify from the root").exists();
        }
        int trainer = freePort();
        int grouping = freePort();
        int eval = freePort();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dmmap.home=" + home,
                "org.mmapmtl.cli.Mmap", "up", "--kafka-port", "0", "--postgres-port", "0",
                "--trainer-port", Integer.toString(trainer), "--grouping-port", Integer.toString(grouping),
                "--eval-port", Integer.toString(eval), "--state-dir", state.toString(), "--ready-timeout", "240"));
        Process up = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> output = new ArrayList<>();
        List<ProcessHandle> children;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            boolean ready = false;
            while (!ready && (line = reader.readLine()) != null) {
                output.add(line);
                ready = line.contains("All services are UP.");
            }
            assertThat(ready).as(String.join("\n", output)).isTrue();
            HttpClient http = HttpClient.newHttpClient();
            for (int port : List.of(trainer, grouping, eval)) {
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/q/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).isEqualTo(200);
                assertThat(health.body()).contains("\"UP\"");
            }
            children = up.descendants().toList();
            assertThat(children.stream().map(p -> p.info().commandLine().orElse("")))
                    .filteredOn(c -> c.contains("quarkus-run.jar")).hasSize(3);
            // PostgreSQL is started through pg_ctl and is not our descendant: find it by its data folder
            assertThat(processesUsing(state)).isNotEmpty();

            // a second `mmap up` on the same state folder says so in one line and changes nothing
            Process second = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "-Dmmap.home=" + home, "org.mmapmtl.cli.Mmap", "up",
                    "--kafka-port", "0", "--postgres-port", "0", "--state-dir", state.toString(), "--fresh"))
                    .redirectErrorStream(true).start();
            assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String said = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(second.exitValue()).as(said).isNotZero();
            assertThat(said).contains("another ./mmap up or ./mmap demo is running on").doesNotContain("\tat ");
            for (int port : List.of(trainer, grouping, eval)) {
                assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                        + "/q/health/ready")).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            }

            up.toHandle().destroy(); // SIGTERM (the shutdown path of Ctrl-C), keeping our end of its output open
            assertThat(up.waitFor(90, TimeUnit.SECONDS)).as("mmap up stops within 90 s").isTrue();
            reader.lines().forEach(output::add);
        } finally {
            if (up.isAlive()) {
                up.destroy();
                if (!up.waitFor(60, TimeUnit.SECONDS)) {
                    up.descendants().forEach(ProcessHandle::destroyForcibly);
                    up.destroyForcibly();
                }
            }
        }
        assertThat(output).contains("Stopped.");
        for (ProcessHandle child : children) {
            child.onExit().get(10, TimeUnit.SECONDS);
            assertThat(child.isAlive()).as("still running: " + child.info().commandLine().orElse("?")).isFalse();
        }
        assertThat(processesUsing(state)).as("processes left behind").isEmpty();
        assertThat(Files.exists(state.resolve("logs/grouping-service.log"))).isTrue();
    }

    static List<String> processesUsing(Path folder) {
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.contains(folder.toString())).toList();
    }
}
