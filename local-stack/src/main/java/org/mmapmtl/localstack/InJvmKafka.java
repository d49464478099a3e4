package org.mmapmtl.localstack;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A real Apache Kafka broker in KRaft combined mode (broker and controller in one node), running inside this JVM.
 * Clients outside the JVM reach it on {@link #bootstrapServers()} like any broker, authenticated as one of its
 * {@link KafkaUsers}; an authorizer holds each to its ACLs.
 */
final class InJvmKafka implements KafkaBroker {
    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final int clientPort;
    private final int controllerPort;
    private final Path logDirs;
    private final KafkaUsers users;

    private InJvmKafka(KafkaRaftServer server, int clientPort, int controllerPort, Path logDirs, KafkaUsers users) {
        this.users = users;
        this.server = server;
        this.bootstrapServers = "127.0.0.1:" + clientPort;
        this.clientPort = clientPort;
        this.controllerPort = controllerPort;
        this.logDirs = logDirs;
    }

    /**
     * @param port    the client port, or 0 for a free one
     * @param logDirs where the log segments live; a directory that was formatted before keeps its topics
     * @param users   who may connect (SASL/SCRAM-SHA-512 on the client port; the ACLs come from the provisioner)
     */
    static InJvmKafka start(int port, Path logDirs, KafkaUsers users) {
        return start(port == 0 ? FreePorts.any() : port, FreePorts.any(), logDirs, users);
    }

    private static InJvmKafka start(int clientPort, int controllerPort, Path logDirs, KafkaUsers users) {
        Properties props = settings(clientPort, controllerPort, logDirs, users);
        try {
            Files.createDirectories(logDirs);
            if (!Files.exists(logDirs.resolve("meta.properties"))) {
                format(props, logDirs, users);
            }
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props), Time.SYSTEM);
            server.startup();
            return new InJvmKafka(server, clientPort, controllerPort, logDirs, users);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare Kafka log directory " + logDirs, e);
        }
    }

    /**
     * Gives a broker formatted before it had users (a state folder from an earlier version) its users' SCRAM
     * credentials, which a new log directory gets when it is formatted: the broker runs once more with a listener
     * for this JVM alone whose anonymous client is a super user, the credentials are added through it, and it stops.
     */
    static void addUsers(Path logDirs, KafkaUsers users) {
        int setupPort = FreePorts.any();
        Properties props = settings(FreePorts.any(), FreePorts.any(), logDirs, users);
        props.put("listeners", props.getProperty("listeners") + ",SETUP://127.0.0.1:" + setupPort);
        props.put("advertised.listeners", props.getProperty("advertised.listeners") + ",SETUP://127.0.0.1:" + setupPort);
        props.put("listener.security.protocol.map", props.getProperty("listener.security.protocol.map") + ",SETUP:PLAINTEXT");
        props.put("super.users", props.getProperty("super.users") + ";User:ANONYMOUS");
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props), Time.SYSTEM);
        server.startup();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + setupPort))) {
            List<UserScramCredentialAlteration> credentials = new ArrayList<>();
            users.all().forEach((user, password) -> credentials.add(new UserScramCredentialUpsertion(user,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password)));
            admin.alterUserScramCredentials(credentials).all().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while adding the local broker's users", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot add the local broker's users in " + logDirs + ": " + e.getMessage(), e);
        } finally {
            server.shutdown();
            server.awaitShutdown();
        }
    }

    private static Properties settings(int clientPort, int controllerPort, Path logDirs, KafkaUsers users) {
        String admin = users.password(KafkaUsers.ADMIN);
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        // clients authenticate with SCRAM (credentials in the cluster's metadata); the controller's own listener uses
        // PLAIN with the administrator alone, as KRaft controllers cannot read SCRAM credentials before they start
        props.put("listeners", "CLIENT://127.0.0.1:" + clientPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "CLIENT://127.0.0.1:" + clientPort);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "CLIENT");
        props.put("listener.security.protocol.map", "CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT");
        props.put("sasl.enabled.mechanisms", KafkaUsers.MECHANISM);
        props.put("sasl.mechanism.inter.broker.protocol", KafkaUsers.MECHANISM);
        props.put("listener.name.client.scram-sha-512.sasl.jaas.config",
                KafkaUsers.jaas("org.apache.kafka.common.security.scram.ScramLoginModule", KafkaUsers.ADMIN, admin));
        props.put("sasl.mechanism.controller.protocol", "PLAIN");
        props.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
        props.put("listener.name.controller.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + KafkaUsers.ADMIN
                        + "\" password=\"" + admin + "\" user_" + KafkaUsers.ADMIN + "=\"" + admin + "\";");
        props.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        props.put("super.users", "User:" + KafkaUsers.ADMIN);
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
        return props;
    }

    private static void format(Properties props, Path logDirs, KafkaUsers users) throws IOException {
        // the settings hold the administrator's password: an owner-only temporary file, deleted whatever happens
        Path config = Files.createTempFile("kraft-", ".properties");
        try {
            try (OutputStream out = Files.newOutputStream(config)) {
                props.store(out, "in-JVM KRaft broker");
            }
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            List<String> args = new ArrayList<>(List.of("format", "-t", Uuid.randomUuid().toString(), "-c", config.toString()));
            users.all().forEach((user, password) -> {
                args.add("--add-scram");
                args.add(KafkaUsers.MECHANISM + "=[name=" + user + ",password=" + password + "]");
            });
            int rc = StorageTool.execute(args.toArray(String[]::new), new PrintStream(log, true, StandardCharsets.UTF_8));
            if (rc != 0) {
                throw new IllegalStateException("formatting Kafka storage in " + logDirs + " failed: "
                        + log.toString(StandardCharsets.UTF_8));
            }
        } finally {
            Files.deleteIfExists(config);
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
        return start(clientPort, controllerPort, logDirs, users);
    }

    @Override
    public KafkaUsers users() {
        return users;
    }
}
