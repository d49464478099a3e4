package org.mmapmtl.localstack;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmapmtl.events.EventTopic;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class LocalStackTest {

    @TempDir
    Path dir;

    @Test
    void brokerServesEveryPipelineTopicWithItsConfigAndDeadLetterTopic() throws Exception {
        try (LocalStack stack = LocalStack.start(new LocalStack.Settings(0, 0, null, false));
             Admin admin = Admin.create(stack.kafkaAdminSettings())) {
            Set<String> names = admin.listTopics().names().get();
            for (EventTopic t : EventTopic.values()) {
                assertThat(names).contains(t.topicName(), t.deadLetterTopicName());
                var description = admin.describeTopics(List.of(t.topicName())).allTopicNames().get().get(t.topicName());
                assertThat(description.partitions()).hasSize(t.partitions());
                var resource = new ConfigResource(ConfigResource.Type.TOPIC, t.topicName());
                var config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
                assertThat(config.get("max.message.bytes").value()).isEqualTo(Integer.toString(t.maxMessageBytes()));
            }
            produce(stack, "exp-1", "hello");
            assertThat(consumeAll(stack)).containsExactly("exp-1=hello");
        }
    }

    @Test
    void postgresIsARealServer() throws Exception {
        try (LocalStack stack = LocalStack.start(new LocalStack.Settings(0, 0, null, false));
             Connection c = DriverManager.getConnection(stack.jdbcUrl(), stack.databaseUser(), stack.databasePassword());
             ResultSet rs = c.createStatement().executeQuery("show server_version")) {
            rs.next();
            assertThat(rs.getString(1)).startsWith("17.");
        }
    }

    @Test
    void aPersistentStackKeepsRecordsAndRowsAcrossRestarts() throws Exception {
        var settings = new LocalStack.Settings(0, 0, dir.resolve("stack"), false);
        try (LocalStack stack = LocalStack.start(settings);
             Connection c = DriverManager.getConnection(stack.jdbcUrl(), stack.databaseUser(), stack.databasePassword())) {
            produce(stack, "exp-2", "kept");
            c.createStatement().execute("create table kept (v text); insert into kept values ('row')");
        }
        try (LocalStack stack = LocalStack.start(settings);
             Connection c = DriverManager.getConnection(stack.jdbcUrl(), stack.databaseUser(), stack.databasePassword());
             ResultSet rs = c.createStatement().executeQuery("select v from kept")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("row");
            assertThat(consumeAll(stack)).containsExactly("exp-2=kept");
        }
    }

    private static void produce(LocalStack stack, String key, String value) throws Exception {
        try (var producer = new KafkaProducer<>(stack.kafkaAdminSettings(), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(EventTopic.CHECKPOINTS.topicName(), key, value)).get();
        }
    }

    private static List<String> consumeAll(LocalStack stack) {
        List<String> seen = new ArrayList<>();
        Map<String, Object> settings = new java.util.HashMap<>(stack.kafkaAdminSettings());
        settings.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + System.nanoTime());
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var consumer = new KafkaConsumer<>(settings, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(EventTopic.CHECKPOINTS.topicName()));
            long deadline = System.currentTimeMillis() + 20_000;
            while (seen.isEmpty() && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    seen.add(r.key() + "=" + r.value());
                }
            }
        }
        return seen;
    }
}
