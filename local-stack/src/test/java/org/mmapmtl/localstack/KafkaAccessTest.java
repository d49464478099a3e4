package org.mmapmtl.localstack;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mmapmtl.events.EventTopic;
import org.mmapmtl.events.KafkaPrincipal;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The local broker's users and ACLs on the real broker: each service writes only its own topics (and its inputs'
 * dead-letter topics) and reads only its inputs; a client without a user's password cannot connect at all.
 */
class KafkaAccessTest {
    private static LocalStack stack;

    @BeforeAll
    static void start() {
        stack = LocalStack.start(new LocalStack.Settings(0, 0, null, false));
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static void send(Map<String, Object> client, String topic) throws Exception {
        Map<String, Object> settings = new HashMap<>(client);
        settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        settings.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "10000");
        settings.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        try (var producer = new KafkaProducer<>(settings, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "exp-forged", "{}")).get();
        } catch (ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    private static void read(Map<String, Object> client, String group, String topic) {
        Map<String, Object> settings = new HashMap<>(client);
        settings.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var consumer = new KafkaConsumer<>(settings, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (consumer.assignment().isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200));
            }
            assertThat(consumer.assignment()).as(group + " reading " + topic).isNotEmpty();
        }
    }

    private static Map<String, Object> as(KafkaPrincipal principal) {
        return stack.kafkaClientSettings(principal.user());
    }

    @Test
    void eachServiceWritesItsOwnTopicsAndItsInputsDeadLetterTopics() throws Exception {
        for (KafkaPrincipal p : KafkaPrincipal.values()) {
            for (String topic : p.writes()) {
                send(as(p), topic);
            }
        }
        assertThat(KafkaPrincipal.TRAINER.writes()).contains("mmap.checkpoints", "mmap.partitions.dlq");
    }

    @Test
    void onlyTheGroupingServiceWritesPartitions() {
        for (KafkaPrincipal p : List.of(KafkaPrincipal.TRAINER, KafkaPrincipal.EVAL)) {
            assertThatThrownBy(() -> send(as(p), EventTopic.PARTITIONS.topicName())).as(p.user())
                    .isInstanceOf(TopicAuthorizationException.class).hasMessageContaining("mmap.partitions");
        }
        assertThatThrownBy(() -> send(as(KafkaPrincipal.GROUPING), EventTopic.CHECKPOINTS.topicName()))
                .isInstanceOf(TopicAuthorizationException.class).hasMessageContaining("mmap.checkpoints");
    }

    @Test
    void aClientWithoutAPasswordOrWithAWrongOneCannotConnect() {
        Map<String, Object> anonymous = Map.of("bootstrap.servers", stack.kafkaBootstrapServers());
        // the listener speaks SASL only: a plaintext client's requests never get an answer
        assertThatThrownBy(() -> send(anonymous, EventTopic.PARTITIONS.topicName()))
                .isInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
        Map<String, Object> forged = new HashMap<>(as(KafkaPrincipal.GROUPING));
        forged.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"mmap-grouping\" password=\"guessed\";");
        assertThatThrownBy(() -> send(forged, EventTopic.PARTITIONS.topicName()))
                .isInstanceOf(SaslAuthenticationException.class);
    }

    @Test
    void eachServiceReadsItsInputsWithItsOwnGroupsOnly() {
        read(as(KafkaPrincipal.TRAINER), "trainer-service", EventTopic.PARTITIONS.topicName());
        read(as(KafkaPrincipal.EVAL), "eval-service-progress", EventTopic.PROGRESS.topicName());
        assertThatThrownBy(() -> read(as(KafkaPrincipal.TRAINER), "trainer-service", EventTopic.EVALUATIONS.topicName()))
                .isInstanceOf(TopicAuthorizationException.class);
        assertThatThrownBy(() -> read(as(KafkaPrincipal.EVAL), "trainer-service", EventTopic.PARTITIONS.topicName()))
                .isInstanceOf(org.apache.kafka.common.errors.GroupAuthorizationException.class);
    }

    @Test
    void aPersistentStackKeepsItsUsersAndAddsThemToABrokerFromBeforeUsers(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        var settings = new LocalStack.Settings(0, 0, dir.resolve("stack"), false);
        String password;
        try (LocalStack first = LocalStack.start(settings)) {
            password = first.kafkaPassword(KafkaPrincipal.TRAINER);
        }
        assertThat(java.nio.file.Files.getPosixFilePermissions(dir.resolve("stack/kafka-users.properties")))
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        try (LocalStack again = LocalStack.start(settings)) {
            assertThat(again.kafkaPassword(KafkaPrincipal.TRAINER)).isEqualTo(password);
            send(again.kafkaClientSettings(KafkaPrincipal.TRAINER.user()), EventTopic.CHECKPOINTS.topicName());
        }
    }

    @Test
    void aStateFolderFormattedBeforeUsersGetsThemAndKeepsItsRecords(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // formatted as the broker was before it had users: plaintext listeners, no SCRAM credentials
        java.nio.file.Path logs = dir.resolve("stack/kafka");
        java.nio.file.Files.createDirectories(logs);
        java.util.Properties old = new java.util.Properties();
        old.put("process.roles", "broker,controller");
        old.put("node.id", "1");
        old.put("controller.quorum.voters", "1@127.0.0.1:" + FreePorts.any());
        old.put("listeners", "PLAINTEXT://127.0.0.1:" + FreePorts.any() + ",CONTROLLER://127.0.0.1:" + FreePorts.any());
        old.put("controller.listener.names", "CONTROLLER");
        old.put("log.dirs", logs.toString());
        java.nio.file.Path config = dir.resolve("old.properties");
        try (var out = java.nio.file.Files.newOutputStream(config)) {
            old.store(out, null);
        }
        int rc = kafka.tools.StorageTool.execute(new String[] {"format", "-t",
                org.apache.kafka.common.Uuid.randomUuid().toString(), "-c", config.toString()}, System.out);
        assertThat(rc).isZero();

        var settings = new LocalStack.Settings(0, 0, dir.resolve("stack"), false);
        String password;
        try (LocalStack upgraded = LocalStack.start(settings)) {
            password = upgraded.kafkaPassword(KafkaPrincipal.TRAINER);
            send(upgraded.kafkaClientSettings(KafkaPrincipal.TRAINER.user()), EventTopic.CHECKPOINTS.topicName());
            assertThatThrownBy(() -> send(upgraded.kafkaClientSettings(KafkaPrincipal.TRAINER.user()),
                    EventTopic.PARTITIONS.topicName())).isInstanceOf(TopicAuthorizationException.class);
        }
        try (LocalStack again = LocalStack.start(settings)) {
            assertThat(again.kafkaPassword(KafkaPrincipal.TRAINER)).isEqualTo(password);
            send(again.kafkaClientSettings(KafkaPrincipal.TRAINER.user()), EventTopic.CHECKPOINTS.topicName());
        }
    }
}
