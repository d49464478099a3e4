package org.mmapmtl.localstack;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the local stack until the process is stopped: {@code LocalStackMain [kafkaPort] [postgresPort] [dataDir]}.
 * With a data directory, topics, offsets and database rows survive restarts.
 */
public final class LocalStackMain {
    private LocalStackMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        int kafkaPort = args.length > 0 ? Integer.parseInt(args[0]) : 9092;
        int postgresPort = args.length > 1 ? Integer.parseInt(args[1]) : 15432;
        Path dataDir = args.length > 2 ? Path.of(args[2]) : null;
        LocalStack stack = LocalStack.start(new LocalStack.Settings(kafkaPort, postgresPort, dataDir, false));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.close();
            stopped.countDown();
        }, "local-stack-shutdown"));
        System.out.println("Kafka bootstrap servers: " + stack.kafkaBootstrapServers());
        System.out.println("PostgreSQL: " + stack.jdbcUrl() + " (user " + stack.databaseUser() + ")");
        stopped.await();
    }
}
