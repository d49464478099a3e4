package org.mmapmtl.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

@Command(name = "up", mixinStandardHelpOptions = true,
        header = "Starts Kafka, PostgreSQL and the three services and runs until Ctrl-C.",
        description = {"Starts Kafka and PostgreSQL in this JVM and the three services as child processes,",
                "waits until all are ready and runs until Ctrl-C, which stops everything it started.",
                "A service that stops on its own is reported and everything stops (exit code 1); if this",
                "process is killed, the services stop by themselves and the next up stops a leftover PostgreSQL."})
final class UpCommand implements Callable<Integer> {

    @Option(names = "--kafka-port", defaultValue = "9092", description = "Kafka client port (default: ${DEFAULT-VALUE})")
    int kafkaPort;

    @Option(names = "--postgres-port", defaultValue = "15432", description = "PostgreSQL port (default: ${DEFAULT-VALUE})")
    int postgresPort;

    @Option(names = "--trainer-port", defaultValue = "8081", description = "trainer-service port (default: ${DEFAULT-VALUE})")
    int trainerPort;

    @Option(names = "--grouping-port", defaultValue = "8082", description = "grouping-service port (default: ${DEFAULT-VALUE})")
    int groupingPort;

    @Option(names = "--eval-port", defaultValue = "8083", description = "eval-service port (default: ${DEFAULT-VALUE})")
    int evalPort;

    @Option(names = "--state-dir", defaultValue = "${sys:mmap.home:-.}/.mmap",
            description = "Kafka logs, database, checkpoints and service logs; kept across runs (default: ${DEFAULT-VALUE})")
    Path stateDir;

    @Option(names = "--fresh", description = "Delete the kept Kafka topics and database before starting")
    boolean fresh;

    @Option(names = "--home", defaultValue = "${sys:mmap.home:-.}", description = "the project checkout with the built services (default: ${DEFAULT-VALUE}, the checkout ./mmap runs from)")
    Path home;

    @Option(names = "--no-auth", description = "let callers without a token do everything (a laptop only; the "
            + "services ask for bearer tokens otherwise, and ./mmap sends its own)")
    boolean noAuth;

    @Option(names = "--ready-timeout", defaultValue = "180", description = "Seconds to wait for the services (default: ${DEFAULT-VALUE})")
    int readyTimeoutSeconds;

    @Override
    public Integer call() throws Exception {
        LocalServices all;
        try {
            all = LocalServices.start(home, stateDir, new LocalServices.Ports(kafkaPort, postgresPort, trainerPort,
                    groupingPort, evalPort), fresh, readyTimeoutSeconds, noAuth ? LocalServices.NO_AUTH : java.util.Map.of());
        } catch (IllegalStateException e) {
            System.err.println("mmap up: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            all.close();
            stopped.countDown();
        }, "mmap-up-shutdown"));
        System.out.println();
        System.out.println("All services are UP.");
        System.out.println("  Kafka bootstrap servers: " + all.stack.kafkaBootstrapServers() + " (SASL/SCRAM-SHA-512; users and "
                + "passwords in " + all.stack.dataDir().resolve("kafka-users.properties") + ", mmap-admin is a super user)");
        System.out.println("  PostgreSQL:              " + all.stack.jdbcUrl() + " (superuser " + all.stack.databaseUser()
                + "; the services log in as mmap_trainer, mmap_grouping, mmap_eval)");
        System.out.println("  Health:                  " + all.services.get(0).url() + "/q/health  (likewise :"
                + groupingPort + ", :" + evalPort + ")");
        System.out.println("  API token:               " + all.stack.auth().cliTokenFile() + " (an admin's; ./mmap's "
                + "commands send it, other clients as 'Authorization: Bearer', MMAP_TOKEN to use another)"
                + (noAuth ? "; not needed: --no-auth" : ""));
        System.out.println("  Dashboard:               " + all.dashboardUrl("/"));
        System.out.println("Press Ctrl-C to stop everything.");
        // watch what we started: a service that stops on its own is reported, and everything stops with exit code 1
        while (!stopped.await(1, TimeUnit.SECONDS)) {
            ServiceProcess crashed = all.crashed();
            // Ctrl-C signals the services as well as this process: give our shutdown hook time to say it is ours
            if (crashed != null && !stopped.await(2, TimeUnit.SECONDS) && all.crashed() != null) {
                System.err.printf("mmap up: %s stopped unexpectedly (exit code %d); the end of %s:%n%s%n", crashed.name,
                        crashed.exitCode(), crashed.log, crashed.logTail(30));
                System.err.println("mmap up: stopping everything else; start again with ./mmap up");
                all.close();
                return 1;
            }
        }
        return 0;
    }
}
