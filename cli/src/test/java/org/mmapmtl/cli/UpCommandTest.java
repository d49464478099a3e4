package org.mmapmtl.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
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
 * packaged and reports them UP; a second one on the same state folder is refused; killed with SIGKILL, its services
 * stop by themselves and the next `up` stops the PostgreSQL it left and comes UP; a service that dies is reported and
 * everything stops, leaving no process behind. About two minutes of processes killed and started: tagged
 * {@code faults}, so it runs with -Pfaults (.ci/run's second step) beside the other process-level faults, keeping
 * {@code ./mvnw verify} within its time budget.
 */
@org.junit.jupiter.api.Tag("faults")
class UpCommandTest {
    @TempDir
    Path state;

    /** A port to listen on, outside the range of outgoing connections' source ports (see FreePorts). */
    static int freePort() {
        return org.mmapmtl.localstack.FreePorts.any();
    }

    @Test
    void ownsWhatItStartsHoweverItOrTheyEnd() throws Exception {
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
        try (BufferedReader reader = reader(up)) {
            assertThat(readUntil(reader, output, "All services are UP.")).as(String.join("\n", output)).isTrue();
            assertHealthy(trainer, grouping, eval);
            assertAsksForTheToken(state, trainer, eval);
            children = services(up);
            assertThat(children).hasSize(3);
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
            assertHealthy(trainer, grouping, eval);

            // SIGKILL: nothing of `up` runs any more, so its services must notice and stop by themselves
            up.toHandle().destroyForcibly();
            assertThat(up.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            stopAll(up);
        }
        for (ProcessHandle child : children) {
            child.onExit().get(60, TimeUnit.SECONDS);
            assertThat(child.isAlive()).as("service still running after its up was killed: "
                    + child.info().commandLine().orElse("?")).isFalse();
        }
        assertThat(processesUsing(state)).as("the killed up's PostgreSQL keeps running: the next up must deal with it")
                .isNotEmpty();

        // the next `up` stops the leftover PostgreSQL, says so, and comes UP on the same state folder (with --fresh,
        // which wipes the folder the leftover's pid file is in: the leftover must be stopped before that)
        List<String> fresh = new ArrayList<>(command);
        fresh.add("--fresh");
        Process again = new ProcessBuilder(fresh).redirectErrorStream(true).start();
        List<String> againOutput = new ArrayList<>();
        try (BufferedReader reader = reader(again)) {
            assertThat(readUntil(reader, againOutput, "All services are UP.")).as(String.join("\n", againOutput)).isTrue();
            assertThat(againOutput).anyMatch(l -> l.contains("left running") && l.contains("stopping it"));
            assertHealthy(trainer, grouping, eval);
            List<ProcessHandle> services = services(again);
            assertThat(services).hasSize(3);

            // a service that dies is reported by name, and everything stops with a non-zero exit
            services.stream().filter(p -> p.info().commandLine().orElse("").contains("grouping-service"))
                    .findFirst().orElseThrow().destroyForcibly();
            assertThat(again.waitFor(90, TimeUnit.SECONDS)).as("mmap up stops within 90 s of a crash").isTrue();
            reader.lines().forEach(againOutput::add);
            assertThat(again.exitValue()).as(String.join("\n", againOutput)).isEqualTo(1);
            assertThat(againOutput).anyMatch(l -> l.contains("grouping-service stopped unexpectedly"));
            assertThat(againOutput).contains("Stopped.");
            for (ProcessHandle child : services) {
                child.onExit().get(10, TimeUnit.SECONDS);
                assertThat(child.isAlive()).as("still running: " + child.info().commandLine().orElse("?")).isFalse();
            }
        } finally {
            stopAll(again);
        }
        assertThat(processesUsing(state)).as("processes left behind").isEmpty();
        assertThat(Files.exists(state.resolve("logs/grouping-service.log"))).isTrue();
    }

    private static BufferedReader reader(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    private static boolean readUntil(BufferedReader reader, List<String> output, String marker) throws Exception {
        String line;
        while ((line = reader.readLine()) != null) {
            output.add(line);
            if (line.contains(marker)) {
                return true;
            }
        }
        return false;
    }

    private static List<ProcessHandle> services(Process up) {
        return up.descendants().filter(p -> p.info().commandLine().orElse("").contains("quarkus-run.jar")).toList();
    }

    private static void assertHealthy(int... ports) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (int port : ports) {
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + "/q/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"UP\"");
        }
    }

    /** The services ask for a token by default; the one `up` writes for its CLI (owner-only) is accepted. */
    private static void assertAsksForTheToken(Path state, int trainer, int eval) throws Exception {
        Path file = state.resolve("stack/auth/cli-token");
        assertThat(Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(
                java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        String token = Files.readString(file).strip();
        HttpClient http = HttpClient.newHttpClient();
        for (int port : new int[] {trainer, eval}) {
            URI uri = URI.create("http://localhost:" + port + "/experiments");
            assertThat(http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .as("GET " + uri + " without a token").isEqualTo(401);
            assertThat(http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).as("GET " + uri + " with the CLI's token").isEqualTo(200);
        }
    }

    private static void stopAll(Process up) throws Exception {
        if (up.isAlive()) {
            up.destroy();
            if (!up.waitFor(60, TimeUnit.SECONDS)) {
                up.descendants().forEach(ProcessHandle::destroyForcibly);
                up.destroyForcibly();
            }
        }
    }

    static List<String> processesUsing(Path folder) {
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.contains(folder.toString())).toList();
    }
}
