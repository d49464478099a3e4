package org.mmapmtl.localstack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.mmapmtl.events.EventTopic;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Real infrastructure for one machine: a Kafka broker (in this JVM, or in a container where Docker answers)
 * with the pipeline's topics, and a PostgreSQL server from the embedded binaries.
 */
public final class LocalStack implements AutoCloseable {

    /**
     * @param kafkaPort    client port of the broker, 0 for a free one
     * @param postgresPort 0 for a free one
     * @param dataDir      where Kafka logs and the database live; null for a temporary directory removed on close
     * @param docker       whether to use a Kafka container if a Docker engine answers
     */
    public record Settings(int kafkaPort, int postgresPort, Path dataDir, boolean docker) {
        public static Settings ephemeral() {
            return new Settings(0, 0, null, true);
        }
    }

    private KafkaBroker kafka;
    private EmbeddedPostgres postgres;
    private int postgresPort;
    private final Path dataDir;
    private final boolean temporary;
    private final LocalAuth auth;

    private LocalStack(KafkaBroker kafka, EmbeddedPostgres postgres, Path dataDir, boolean temporary) {
        this.kafka = kafka;
        this.postgres = postgres;
        this.postgresPort = postgres.getPort();
        this.dataDir = dataDir;
        this.temporary = temporary;
        this.auth = LocalAuth.in(dataDir);
    }

    /** The stack's signing key and its tokens: what the services it configures trust. */
    public LocalAuth auth() {
        return auth;
    }

    /**
     * How long PostgreSQL may take to accept connections; zonky's default of 10 s is too short on a loaded CI host.
     */
    private static final Duration POSTGRES_STARTUP_WAIT = Duration.ofSeconds(90);

    /** Starts on free ports (both ports 0, temporary folder) are tried this often before the failure is thrown. */
    private static final int FREE_PORT_ATTEMPTS = 3;

    public static LocalStack start(Settings settings) {
        boolean retryable = settings.dataDir() == null && settings.kafkaPort() == 0 && settings.postgresPort() == 0;
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(settings);
            } catch (RuntimeException e) {
                // a free port picked for the broker or the database can be taken by another process before it is
                // bound; a fresh temporary stack on other ports loses nothing
                if (!retryable || attempt == FREE_PORT_ATTEMPTS) {
                    throw e;
                }
                System.err.printf("local stack: start %d of %d failed (%s); trying again on other ports%n",
                        attempt, FREE_PORT_ATTEMPTS, e);
            }
        }
    }

    private static LocalStack startOnce(Settings settings) {
        boolean temporary = settings.dataDir() == null;
        Path dir;
        try {
            dir = temporary ? Files.createTempDirectory("mmap-local-stack-") : Files.createDirectories(settings.dataDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the local stack's data directory " + settings.dataDir(), e);
        }
        KafkaBroker kafka = null;
        EmbeddedPostgres postgres = null;
        try {
            boolean useContainer = settings.docker() && settings.kafkaPort() == 0 && temporary
                    && ContainerKafka.dockerAvailable();
            kafka = useContainer ? ContainerKafka.start()
                    : InJvmKafka.start(settings.kafkaPort(), dir.resolve("kafka"), users(dir));
            TopicProvisioner.ensure(kafka);
            if (!temporary) {
                stopLeftoverPostgres(dir.resolve("postgres"));
            }
            // kept by the server even for a temporary stack, whose folder close() deletes: a stopped server can
            // then start again on its data (zonky's own cleaning would delete it at the first stop)
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dir.resolve("postgres"))
                    .setCleanDataDirectory(false)
                    .setPGStartupWait(POSTGRES_STARTUP_WAIT);
            if (settings.postgresPort() != 0) {
                builder.setPort(settings.postgresPort());
            }
            postgres = builder.start();
            ServiceRoles.ensure(postgres.getPostgresDatabase());
            return new LocalStack(kafka, postgres, dir, temporary);
        } catch (IOException | RuntimeException e) {
            if (kafka != null) {
                kafka.close();
            }
            closeQuietly(postgres);
            if (temporary) {
                deleteRecursively(dir);
            }
            throw e instanceof RuntimeException r ? r : new IllegalStateException("cannot start PostgreSQL in " + dir, e);
        }
    }

    /**
     * The broker's users, kept in the stack's folder: made for a new folder (written before the broker's storage is
     * formatted with them, so that a start cut short leaves them known), and added to a broker that an earlier version
     * formatted without users (written after).
     */
    private static KafkaUsers users(Path dir) {
        Path file = dir.resolve("kafka-users.properties");
        KafkaUsers users = KafkaUsers.read(file);
        if (users != null) {
            return users;
        }
        users = KafkaUsers.generate();
        if (Files.exists(dir.resolve("kafka").resolve("meta.properties"))) {
            // written only once the broker has them: a failed attempt leaves no file, and the next start tries again
            System.out.println("Kafka in " + dir.resolve("kafka") + " was made before it had users: adding them ...");
            InJvmKafka.addUsers(dir.resolve("kafka"), users);
        }
        users.write(file);
        return users;
    }

    /** Deletes a persistent stack's topics and database; the stack must not be running. */
    public static void wipe(Path dataDir) {
        // a PostgreSQL left running on the folder would lose its pid file with it and keep running unseen
        stopLeftoverPostgres(dataDir.resolve("postgres"));
        if (Files.exists(dataDir)) {
            deleteRecursively(dataDir);
        }
    }

    /** The largest record any pipeline topic accepts, which the broker must allow too. */
    public static int largestMessageBytes() {
        return Arrays.stream(EventTopic.values()).mapToInt(EventTopic::maxMessageBytes).max().orElseThrow();
    }

    public String kafkaBootstrapServers() {
        return kafka.bootstrapServers();
    }

    /**
     * Client settings that connect to the broker as {@code user} (a {@link org.mmapmtl.events.KafkaPrincipal} user
     * or {@link KafkaUsers#ADMIN}, a super user for provisioning and tests); only the address where the broker takes
     * anyone.
     */
    public Map<String, Object> kafkaClientSettings(String user) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("bootstrap.servers", kafkaBootstrapServers());
        if (kafka.users() != null) {
            settings.putAll(kafka.users().clientSettings(user));
        }
        return settings;
    }

    /** The super user's client settings: for provisioning, harnesses and tests, never for a service. */
    public Map<String, Object> kafkaAdminSettings() {
        return kafkaClientSettings(KafkaUsers.ADMIN);
    }

    /** The password of a service's Kafka user, or null where the broker takes anyone. */
    public String kafkaPassword(org.mmapmtl.events.KafkaPrincipal principal) {
        return kafka.users() == null ? null : kafka.users().password(principal.user());
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + postgresPort + "/postgres";
    }

    /** The superuser, for administration and tests; the services log in as their own roles ({@link ServiceRoles}). */
    public String databaseUser() {
        return "postgres";
    }

    public String databasePassword() {
        return "postgres";
    }

    /**
     * The settings a service needs to use this stack, as Quarkus config keys. The database user is not among them:
     * each service's own configuration names its role, which this server trusts from local connections; nor is the
     * Kafka user, which each service's configuration names too.
     */
    public Map<String, String> serviceConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("kafka.bootstrap.servers", kafkaBootstrapServers());
        if (kafka.users() == null) {
            config.put("kafka.security.protocol", "PLAINTEXT");
        } else {
            // every service's password, for a test JVM that runs whichever service; launched services get their own only
            for (org.mmapmtl.events.KafkaPrincipal p : org.mmapmtl.events.KafkaPrincipal.values()) {
                config.put("mmap.kafka.password." + p.service(), kafkaPassword(p));
            }
        }
        config.put("quarkus.datasource.jdbc.url", jdbcUrl());
        return config;
    }

    /**
     * The environment of a service process that {@code principal} names: the stack's addresses and that service's
     * own Kafka password, not the others'.
     */
    public Map<String, String> serviceEnvironment(org.mmapmtl.events.KafkaPrincipal principal) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafkaBootstrapServers());
        if (kafka.users() == null) {
            env.put("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT");
        } else {
            env.put("MMAP_KAFKA_PASSWORD", kafkaPassword(principal));
        }
        env.put("QUARKUS_DATASOURCE_JDBC_URL", jdbcUrl());
        env.put("MMAP_AUTH_PUBLIC_KEY", auth.publicKey().toString());
        return env;
    }

    public Path dataDir() {
        return dataDir;
    }

    /**
     * Restarts the broker in place (same address, same topics and offsets) and returns how long clients had none,
     * for fault-injection tests. Only the in-JVM broker can do this.
     */
    public synchronized Duration restartKafka() {
        long start = System.nanoTime();
        kafka = kafka.restart();
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /**
     * Restarts PostgreSQL in place (same port, same data folder; a fast shutdown that ends every connection) and
     * returns how long the database was down, for fault-injection tests.
     */
    public synchronized Duration restartPostgres() {
        long start = System.nanoTime();
        stopPostgres();
        startPostgres();
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /**
     * Stops PostgreSQL (a fast shutdown that ends every connection; new ones are refused) and keeps its data, for
     * tests of what services do while the database is away. {@link #startPostgres()} brings it back.
     */
    public synchronized void stopPostgres() {
        if (postgres == null) {
            return;
        }
        try {
            postgres.close();
        } catch (IOException e) {
            // still running, perhaps: starting another on its folder would fail, and a close would delete it under it
            throw new UncheckedIOException("PostgreSQL in " + dataDir.resolve("postgres") + " did not stop", e);
        }
        postgres = null;
    }

    /** Starts PostgreSQL again after {@link #stopPostgres()}: same port, same data. */
    public synchronized void startPostgres() {
        if (postgres != null) {
            return;
        }
        try {
            postgres = EmbeddedPostgres.builder().setDataDirectory(dataDir.resolve("postgres"))
                    .setCleanDataDirectory(false).setPGStartupWait(POSTGRES_STARTUP_WAIT).setPort(postgresPort).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start PostgreSQL again in " + dataDir.resolve("postgres"), e);
        }
    }

    @Override
    public void close() {
        try {
            kafka.close();
        } finally {
            closeQuietly(postgres);
            if (temporary) {
                deleteRecursively(dataDir);
            }
        }
    }

    /**
     * A launcher killed with SIGKILL cannot stop the PostgreSQL it started (pg_ctl runs it detached), and a new server
     * on the same data folder would refuse to start. The caller holds the state folder's lock, so a server still
     * running on this folder is such a leftover: it is stopped (fast shutdown, SIGKILL after 30 s) and said so.
     */
    public static void stopLeftoverPostgres(Path dataDir) {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
        } catch (IOException | RuntimeException e) {
            return; // unreadable or half-written: PostgreSQL itself decides whether it is stale
        }
        java.util.Optional<ProcessHandle> server = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.contains("postgres")).orElse(true));
        if (server.isEmpty()) {
            return;
        }
        System.out.printf("PostgreSQL (pid %d) left running on %s by a killed ./mmap up: stopping it ...%n", pid, dataDir);
        try {
            // SIGINT is PostgreSQL's fast shutdown: it disconnects clients instead of waiting for them
            new ProcessBuilder("kill", "-INT", Long.toString(pid)).inheritIO().start().waitFor();
            server.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the leftover PostgreSQL (pid " + pid + ")", e);
        } catch (IOException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            server.get().descendants().forEach(ProcessHandle::destroyForcibly);
            server.get().destroyForcibly();
        }
    }

    private static void closeQuietly(EmbeddedPostgres postgres) {
        if (postgres == null) {
            return;
        }
        try {
            postgres.close();
        } catch (IOException e) {
            System.err.println("PostgreSQL did not stop cleanly: " + e.getMessage());
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory that cannot be removed is left for the OS to clean
        }
    }
}
