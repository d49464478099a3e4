package org.mmapmtl.testing;

import org.mmapmtl.localstack.LocalStack;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;

/**
 * A plain Kafka client from outside any service: writes raw records to a topic and reads a topic from its start,
 * so that tests check what is really on the broker rather than trusting the producer.
 */
public final class TopicProbe implements AutoCloseable {
    private final Map<String, Object> client;
    private final KafkaProducer<String, byte[]> producer;

    /** A probe with the stack's super user: tests play every service's part. */
    public TopicProbe(LocalStack stack) {
        this(stack.kafkaAdminSettings());
    }

    /** @param client the connection settings (address and authentication) every client of the probe uses */
    public TopicProbe(Map<String, Object> client) {
        this.client = Map.copyOf(client);
        this.producer = new KafkaProducer<>(with(Map.of(
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, LocalStack.largestMessageBytes(),
                ProducerConfig.ACKS_CONFIG, "all")), new StringSerializer(), new ByteArraySerializer());
    }

    private Map<String, Object> with(Map<String, Object> settings) {
        Map<String, Object> all = new java.util.HashMap<>(client);
        all.putAll(settings);
        return all;
    }

    public void send(String topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot send to " + topic + ": " + e.getCause(), e.getCause());
        }
    }

    /** Reads the topic from the beginning until {@code done} accepts what was read, or the timeout passes. */
    public List<ConsumerRecord<String, byte[]>> readUntil(String topic, Predicate<List<ConsumerRecord<String, byte[]>>> done,
                                                          Duration timeout) {
        List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(with(Map.<String, Object>of(
                ConsumerConfig.GROUP_ID_CONFIG, "probe-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, LocalStack.largestMessageBytes(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false")), new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(seen) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
            }
        }
        return seen;
    }

    public List<ConsumerRecord<String, byte[]>> readAtLeast(String topic, int count, Duration timeout) {
        return readUntil(topic, records -> records.size() >= count, timeout);
    }

    /** Records written to the topic so far: the sum of its partitions' end offsets (pipeline topics are not compacted). */
    public long count(String topic) {
        return endOffsets(topic).values().stream().mapToLong(Long::longValue).sum();
    }

    /** Whether the consumer group has committed, on every partition of the topic, the partition's end offset. */
    public boolean caughtUp(String groupId, String topic) {
        try (Admin admin = Admin.create(client)) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                    .partitionsToOffsetAndMetadata().get();
            for (var end : endOffsets(topic).entrySet()) {
                OffsetAndMetadata at = committed.get(end.getKey());
                if (end.getValue() > 0 && (at == null || at.offset() < end.getValue())) {
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read the offsets of group " + groupId + ": " + e.getCause(), e.getCause());
        }
    }

    private Map<TopicPartition, Long> endOffsets(String topic) {
        try (var consumer = new KafkaConsumer<>(client, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            return consumer.endOffsets(partitions);
        }
    }

    /** The last value of a header as text, or null. */
    public static String header(ConsumerRecord<?, ?> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
