package org.mmapmtl.localstack;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A real Apache Kafka broker in KRaft combined mode (broker and controller in one node), running inside this JVM.
 * Clients outside the JVM reach it on {@link #bootstrapServers()} like any broker.
 */
final class InJvmKafka implements KafkaBroker {
    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final int clientPort;
    private final int controllerPort;
    private final Path logDirs;

    private InJvmKafka(KafkaRaftServer server, int clientPort, int controllerPort, Path logDirs) {
        this.server = server;
        this.bootstrapServers = "127.0.0.1:" + clientPort;
        this.clientPort = clientPort;
        this.controllerPort = controllerPort;
        this.logDirs = logDirs;
    }

    /**
     * @param port    the client port, or 0 for a free one
     * @param logDirs where the log segments live; a directory that was formatted before keeps its topics
     */
    static InJvmKafka start(int port, Path logDirs) {
        return start(port == 0 ? FreePorts.any() : port, FreePorts.any(), logDirs);
    }

    private static InJvmKafka start(int clientPort, int controllerPort, Path logDirs) {
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + clientPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + clientPort);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("log.dirs", logDirs.toAbsolutePath().toString());
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "3");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        // topics come from EventTopic only, so a misspelt topic name fails loudly instead of appearing silently
        props.put("auto.create.topics.enable", "false");
        props.put("num.partitions", "1");
        props.put("message.max.bytes", Integer.toString(LocalStack.largestMessageBytes()));
        try {
            Files.createDirectories(logDirs);
            if (!Files.exists(logDirs.resolve("meta.properties"))) {
                format(props, logDirs);
            }
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props), Time.SYSTEM);
            server.startup();
            return new InJvmKafka(server, clientPort, controllerPort, logDirs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare Kafka log directory " + logDirs, e);
        }
    }

    private static void format(Properties props, Path logDirs) throws IOException {
        Path config = Files.createTempFile("kraft-", ".properties");
        try (OutputStream out = Files.newOutputStream(config)) {
            props.store(out, "in-JVM KRaft broker");
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int rc = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", config.toString()},
                new PrintStream(log, true, StandardCharsets.UTF_8));
        Files.deleteIfExists(config);
        if (rc != 0) {
            throw new IllegalStateException("formatting Kafka storage in " + logDirs + " failed: "
                    + log.toString(StandardCharsets.UTF_8));
        }
    }

    @Override
    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    /** Stops this broker and starts it again on the same ports and log directory, as a broker restart does. */
    @Override
    public KafkaBroker restart() {
        close();
        return start(clientPort, controllerPort, logDirs);
    }
}
