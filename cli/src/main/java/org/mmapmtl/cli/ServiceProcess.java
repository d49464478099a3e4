package org.mmapmtl.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One service jar run as a child process, its output in a log file, stopped with its own children. */
final class ServiceProcess {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String name;
    final int port;
    /** where this process serves /q/metrics and /q/openapi */
    final int managementPort;
    final Path log;
    private final Process process;

    private ServiceProcess(String name, int port, int managementPort, Path log, Process process) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.process = process;
        this.managementPort = managementPort;
    }

    /** @param workDir the folder relative paths of the service resolve against (the checkout) */
    static ServiceProcess launch(String name, Path runJar, int port, Map<String, String> env, Path logDir, Path workDir) {
        if (!Files.isRegularFile(runJar)) {
            throw new IllegalStateException(runJar + " is missing: build the services first (./mvnw -DskipTests package)");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx1g");
        // DJL loads libtorch from the artifact on the class path and never downloads; one inter-op thread as the CLI
        command.add("-Dai.djl.offline=true");
        command.add("-Dai.djl.pytorch.num_interop_threads=1");
        if (Runtime.version().feature() >= 24) {
            command.add("--enable-native-access=ALL-UNNAMED");
        }
        command.add("-jar");
        command.add(runJar.toString());
        try {
            Files.createDirectories(logDir);
            Path log = logDir.resolve(name + ".log");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).directory(workDir.toFile());
            builder.environment().putAll(env);
            // The services share this machine's cores. libtorch's OpenMP threads spin while they wait for work, and
            // a trainer and an evaluator spinning on the same cores slow each other several-fold (a training run
            // beside an evaluation: 42.3 s spinning, 10.7 s passive, on 2 cores); a setting of the user's wins.
            builder.environment().putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
            builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
            // a port of its own for metrics, unless given: the services' fixed defaults would collide on one machine
            int management = env.containsKey("QUARKUS_MANAGEMENT_PORT")
                    ? Integer.parseInt(env.get("QUARKUS_MANAGEMENT_PORT")) : org.mmapmtl.localstack.FreePorts.any();
            builder.environment().put("QUARKUS_MANAGEMENT_PORT", Integer.toString(management));
            // the service stops itself when this process is gone, however it went (service-kit's LauncherWatch)
            builder.environment().put("MMAP_PARENT_PID", Long.toString(ProcessHandle.current().pid()));
            return new ServiceProcess(name, port, management, log, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
        }
    }

    String url() {
        return "http://localhost:" + port;
    }

    String metricsUrl() {
        return "http://localhost:" + managementPort + "/q/metrics";
    }

    boolean alive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** The exit code once it has stopped. */
    int exitCode() {
        return process.exitValue();
    }

    boolean ready() {
        try {
            HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM, so Quarkus shuts down gracefully; after the grace period, SIGKILL for it and anything it started. */
    void stop(Duration grace) {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }
}
