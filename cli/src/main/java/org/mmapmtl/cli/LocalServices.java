package org.mmapmtl.cli;

import org.mmapmtl.events.KafkaPrincipal;
import org.mmapmtl.localstack.LocalStack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Kafka and PostgreSQL in this JVM plus the three service jars as child processes, as {@code up} and {@code demo}
 * run them: started together, ready together, stopped together (services first, then the broker and database).
 */
final class LocalServices implements AutoCloseable {
    record Ports(int kafka, int postgres, int trainer, int grouping, int eval) {
    }

    final LocalStack stack;
    final List<ServiceProcess> services = new ArrayList<>();
    private volatile boolean closed;
    private java.nio.channels.FileChannel stateLock;

    /** The CLI's token for these services (an admin's), renewed at each start. */
    String token;
    /** Whether these services ask callers for a token (not with {@code --no-auth}). */
    private boolean authenticating = true;

    private LocalServices(LocalStack stack) {
        this.stack = stack;
    }

    /** The settings that turn the services' authentication off ({@code --no-auth}). */
    static final Map<String, String> NO_AUTH = Map.of("MMAP_AUTH_ENABLED", "false");

    /** Whether services started with {@code settings} ask for tokens: yes unless these settings or the caller's environment say false. */
    static boolean authenticates(Map<String, String> settings) {
        String enabled = settings.getOrDefault("MMAP_AUTH_ENABLED", System.getenv().getOrDefault("MMAP_AUTH_ENABLED", "true"));
        return !"false".equalsIgnoreCase(enabled.strip());
    }

    /**
     * The eval service's page at {@code path} (as {@code /?experiment=x}) for a browser: through {@code /login} with
     * the CLI's token while the services ask for one, so that opening it logs the browser in.
     */
    String dashboardUrl(String path) {
        String eval = services.get(2).url();
        if (token == null || !authenticating) {
            return eval + path;
        }
        return eval + "/login?next=" + java.net.URLEncoder.encode(path, java.nio.charset.StandardCharsets.UTF_8)
                + "&token=" + token;
    }

    /** A client of one of these services that sends the CLI's token. */
    ServiceClient client(ServiceProcess service, String description) {
        return new ServiceClient(service.url(), description, token);
    }

    /** Starts everything and waits until each service answers ready; stops what it started if anything fails. */
    static LocalServices start(Path home, Path stateDir, Ports ports, boolean fresh, int readyTimeoutSeconds)
            throws InterruptedException {
        return start(home, stateDir, ports, fresh, readyTimeoutSeconds, Map.of());
    }

    /** @param settings environment of every service on top of the stack's (a benchmark turns training off) */
    static LocalServices start(Path home, Path stateDir, Ports ports, boolean fresh, int readyTimeoutSeconds,
                               Map<String, String> settings) throws InterruptedException {
        return start(home, stateDir, ports, fresh, readyTimeoutSeconds, settings, 1, 1);
    }

    /**
     * @param trainers   trainer instances sharing the work through their leases: the first on {@code ports.trainer()},
     *                   the others on free ports, after the grouping and eval services in {@link #services}
     * @param evaluators eval service instances sharing the checkpoints through theirs: the first on
     *                   {@code ports.eval()}, the others on free ports, after the extra trainers in {@link #services}
     */
    static LocalServices start(Path home, Path stateDir, Ports ports, boolean fresh, int readyTimeoutSeconds,
                               Map<String, String> settings, int trainers, int evaluators) throws InterruptedException {
        Path stackDir = stateDir.resolve("stack");
        java.nio.channels.FileChannel lock = lockState(stateDir);
        LocalServices all;
        try {
            requireFree("trainer-service", ports.trainer());
            requireFree("grouping-service", ports.grouping());
            requireFree("eval-service", ports.eval());
            if (fresh) {
                LocalStack.wipe(stackDir);
            }
            System.out.println("Starting Kafka (KRaft, in this JVM) and PostgreSQL ...");
            if (!authenticates(settings)) {
                System.out.println("AUTHENTICATION IS OFF (--no-auth): anyone who can reach these services' ports can "
                        + "submit, cancel and read everything. Only for a laptop (docs/security.md).");
            }
            all = new LocalServices(LocalStack.start(new LocalStack.Settings(ports.kafka(), ports.postgres(),
                    stackDir, false)));
            all.token = all.stack.auth().renewCliToken();
            all.authenticating = authenticates(settings);
        } catch (RuntimeException e) {
            closeQuietly(lock);
            throw e;
        }
        all.stateLock = lock;
        try {
            all.launch(home.toAbsolutePath().normalize(), stateDir.toAbsolutePath().normalize(), ports, settings, trainers,
                    evaluators);
            all.awaitReady(readyTimeoutSeconds);
        } catch (RuntimeException | InterruptedException e) {
            all.close();
            throw e;
        }
        return all;
    }

    private void launch(Path home, Path state, Ports ports, Map<String, String> settings, int trainers, int evaluators) {
        Map<String, String> env = new LinkedHashMap<>();
        // specs may name datasets and weights under the checkout's data/ and the state folder; checkpoints go to the latter
        env.put("MMAP_DATA_ROOTS", System.getenv().getOrDefault("MMAP_DATA_ROOTS", home.resolve("data") + "," + state));
        env.put("MMAP_ARTIFACTS_DIR", System.getenv().getOrDefault("MMAP_ARTIFACTS_DIR", state.resolve("artifacts").toString()));
        env.put("MMAP_CACHE_DIR", System.getenv().getOrDefault("MMAP_CACHE_DIR", state.resolve("cache").toString()));
        // nothing routes requests to these processes: a stopping trainer need not keep answering while it is unready
        env.put("QUARKUS_SHUTDOWN_DELAY", System.getenv().getOrDefault("QUARKUS_SHUTDOWN_DELAY", "0s"));
        env.putAll(settings);
        Path logs = state.resolve("logs");
        // each service gets the stack's addresses and its own Kafka password only
        Map<String, String> trainer = with(env, KafkaPrincipal.TRAINER);
        services.add(ServiceProcess.launch("trainer-service", runJar(home, "trainer-service"), ports.trainer(), trainer, logs, home));
        services.add(ServiceProcess.launch("grouping-service", runJar(home, "grouping-service"), ports.grouping(),
                with(env, KafkaPrincipal.GROUPING), logs, home));
        services.add(ServiceProcess.launch("eval-service", runJar(home, "eval-service"), ports.eval(),
                with(env, KafkaPrincipal.EVAL), logs, home));
        for (int i = 2; i <= trainers; i++) {
            services.add(ServiceProcess.launch("trainer-service-" + i, runJar(home, "trainer-service"),
                    org.mmapmtl.localstack.FreePorts.any(), trainer, logs, home));
        }
        for (int i = 2; i <= evaluators; i++) {
            services.add(ServiceProcess.launch("eval-service-" + i, runJar(home, "eval-service"),
                    org.mmapmtl.localstack.FreePorts.any(), with(env, KafkaPrincipal.EVAL), logs, home));
        }
    }

    private Map<String, String> with(Map<String, String> env, KafkaPrincipal principal) {
        Map<String, String> all = new LinkedHashMap<>(stack.serviceEnvironment(principal));
        all.putAll(env);
        return all;
    }

    private void awaitReady(int timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        List<ServiceProcess> waiting = new ArrayList<>(services);
        while (!waiting.isEmpty()) {
            for (ServiceProcess s : List.copyOf(waiting)) {
                if (!s.alive()) {
                    throw new IllegalStateException(s.name + " exited while starting; the end of " + s.log + ":\n"
                            + s.logTail(30));
                }
                if (s.ready()) {
                    System.out.printf("  %-17s UP    %s   (metrics: %s, log: %s)%n", s.name, s.url(), s.metricsUrl(), s.log);
                    waiting.remove(s);
                }
            }
            if (System.nanoTime() > deadline) {
                StringBuilder b = new StringBuilder();
                waiting.forEach(s -> b.append(s.name).append(" not ready after ").append(timeoutSeconds)
                        .append(" s; the end of ").append(s.log).append(":\n").append(s.logTail(30)).append('\n'));
                throw new IllegalStateException(b.toString());
            }
            Thread.sleep(500);
        }
    }

    private static Path runJar(Path home, String service) {
        return home.resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
    }

    /** A service that stopped although nobody asked it to; null while all run (or while everything is stopping). */
    ServiceProcess crashed() {
        if (closed) {
            return null;
        }
        return services.stream().filter(s -> !s.alive()).findFirst().orElse(null);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        System.out.println("Stopping services ...");
        services.parallelStream().forEach(s -> s.stop(Duration.ofSeconds(20)));
        System.out.println("Stopping Kafka and PostgreSQL ...");
        stack.close();
        closeQuietly(stateLock);
        System.out.println("Stopped.");
    }

    /**
     * One `mmap up` or `mmap demo` per state folder: a second one would find Kafka's and PostgreSQL's folders in use
     * (and --fresh would wipe them under the first). The lock goes with the process, so a killed one leaves none.
     */
    private static java.nio.channels.FileChannel lockState(Path stateDir) {
        try {
            java.nio.file.Files.createDirectories(stateDir);
            java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(stateDir.resolve(".lock"),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
            if (channel.tryLock() == null) {
                channel.close();
                throw new IllegalStateException("another ./mmap up or ./mmap demo is running on " + stateDir
                        + ": stop it first (Ctrl-C in its terminal), or give this one another --state-dir");
            }
            return channel;
        } catch (java.nio.channels.OverlappingFileLockException e) {
            throw new IllegalStateException("this process already runs the local stack on " + stateDir, e);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot lock " + stateDir.resolve(".lock") + ": " + e.getMessage(), e);
        }
    }

    /**
     * A service whose port is taken would fail to start while the process holding the port answered the health
     * check in its place (services left behind by an `mmap up` that was killed, say): refuse before starting anything.
     */
    private static void requireFree(String service, int port) {
        if (port == 0) {
            return;
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress(port));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("port " + port + " for the " + service + " is in use (services left by an "
                    + "earlier mmap that was killed? `ss -ltnp 'sport = :" + port + "'` shows the process): stop it, "
                    + "or choose other ports (mmap up --trainer-port/--grouping-port/--eval-port, mmap demo --ports)");
        }
    }

    private static void closeQuietly(java.nio.channels.FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (java.io.IOException ignored) {
                // the lock goes with the process anyway
            }
        }
    }
}
