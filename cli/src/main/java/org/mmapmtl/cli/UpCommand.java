package org.mmapmtl.cli;

import org.mmapmtl.localstack.LocalStack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Starts Kafka and PostgreSQL in this JVM and the three services as child processes,",
                "waits until all are ready and runs until Ctrl-C, which stops everything it started."})
final class UpCommand implements Callable<Integer> {

    @Option(names = "--kafka-port", defaultValue = "9092", description = "Kafka client port (default: ${DEFAULT-VALUE})")
    int kafkaPort;

    @Option(names = "--postgres-port", defaultValue = "15432", description = "PostgreSQL port (default: ${DEFAULT-VALUE})")
    int postgresPort;

    @Option(names = "--trainer-port", defaultValue = "8081")
    int trainerPort;

    @Option(names = "--grouping-port", defaultValue = "8082")
    int groupingPort;

    @Option(names = "--eval-port", defaultValue = "8083")
    int evalPort;

    @Option(names = "--state-dir", defaultValue = "${sys:mmap.home:-.}/.mmap",
            description = "Kafka logs, database and service logs; kept across runs (default: ${DEFAULT-VALUE})")
    Path stateDir;

    @Option(names = "--fresh", description = "Delete the kept Kafka topics and database before starting")
    boolean fresh;

    @Option(names = "--home", defaultValue = "${sys:mmap.home:-.}", description = "The project checkout with the built services")
    Path home;

    @Option(names = "--ready-timeout", defaultValue = "180", description = "Seconds to wait for the services (default: ${DEFAULT-VALUE})")
    int readyTimeoutSeconds;

    @Override
    public Integer call() throws Exception {
        Path stackDir = stateDir.resolve("stack");
        if (fresh) {
            LocalStack.wipe(stackDir);
        }
        System.out.println("Starting Kafka (KRaft, in this JVM) and PostgreSQL ...");
        LocalStack stack = LocalStack.start(new LocalStack.Settings(kafkaPort, postgresPort, stackDir, false));
        List<ServiceProcess> services = new ArrayList<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread shutdown = new Thread(() -> {
            stopAll(services, stack);
            stopped.countDown();
        }, "mmap-up-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);

        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", stack.kafkaBootstrapServers());
        env.put("QUARKUS_DATASOURCE_JDBC_URL", stack.jdbcUrl());
        env.put("QUARKUS_DATASOURCE_USERNAME", stack.databaseUser());
        env.put("QUARKUS_DATASOURCE_PASSWORD", stack.databasePassword());
        // specs may name datasets and weights under the checkout's data/ and the state folder; checkpoints go to the latter
        Path home = this.home.toAbsolutePath().normalize();
        Path state = stateDir.toAbsolutePath().normalize();
        env.putIfAbsent("MMAP_DATA_ROOTS", System.getenv().getOrDefault("MMAP_DATA_ROOTS", home.resolve("data") + "," + state));
        env.putIfAbsent("MMAP_ARTIFACTS_DIR", System.getenv().getOrDefault("MMAP_ARTIFACTS_DIR", state.resolve("artifacts").toString()));
        env.putIfAbsent("MMAP_CACHE_DIR", System.getenv().getOrDefault("MMAP_CACHE_DIR", state.resolve("cache").toString()));
        Path logs = stateDir.resolve("logs");
        services.add(ServiceProcess.launch("trainer-service", runJar("trainer-service"), trainerPort, env, logs, home));
        services.add(ServiceProcess.launch("grouping-service", runJar("grouping-service"), groupingPort, env, logs, home));
        services.add(ServiceProcess.launch("eval-service", runJar("eval-service"), evalPort, env, logs, home));

        long deadline = System.nanoTime() + Duration.ofSeconds(readyTimeoutSeconds).toNanos();
        List<ServiceProcess> waiting = new ArrayList<>(services);
        while (!waiting.isEmpty()) {
            for (ServiceProcess s : List.copyOf(waiting)) {
                if (!s.alive()) {
                    System.err.println(s.name + " exited while starting; the end of " + s.log + ":");
                    System.err.println(s.logTail(30));
                    return 1;
                }
                if (s.ready()) {
                    System.out.printf("  %-17s UP    %s   (log: %s)%n", s.name, s.url(), s.log);
                    waiting.remove(s);
                }
            }
            if (System.nanoTime() > deadline) {
                waiting.forEach(s -> System.err.println(s.name + " not ready after " + readyTimeoutSeconds
                        + " s; the end of " + s.log + ":\n" + s.logTail(30)));
                return 1;
            }
            Thread.sleep(500);
        }
        System.out.println();
        System.out.println("All services are UP.");
        System.out.println("  Kafka bootstrap servers: " + stack.kafkaBootstrapServers());
        System.out.println("  PostgreSQL:              " + stack.jdbcUrl() + " (user " + stack.databaseUser() + ")");
        System.out.println("  Health:                  " + services.get(0).url() + "/q/health  (likewise :"
                + groupingPort + ", :" + evalPort + ")");
        System.out.println("Press Ctrl-C to stop everything.");
        stopped.await();
        return 0;
    }

    private Path runJar(String service) {
        return home.resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
    }

    private static void stopAll(List<ServiceProcess> services, LocalStack stack) {
        System.out.println("Stopping services ...");
        services.parallelStream().forEach(s -> s.stop(Duration.ofSeconds(20)));
        System.out.println("Stopping Kafka and PostgreSQL ...");
        stack.close();
        System.out.println("Stopped.");
    }
}
