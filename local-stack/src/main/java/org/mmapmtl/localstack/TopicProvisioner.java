package org.mmapmtl.localstack;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.mmapmtl.events.EventTopic;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Creates every topic of {@link EventTopic} and its dead-letter topic, with their configs; existing topics are kept. */
public final class TopicProvisioner {
    private TopicProvisioner() {
    }

    public static List<String> ensureTopics(String bootstrapServers) {
        List<NewTopic> topics = new ArrayList<>();
        for (EventTopic t : EventTopic.values()) {
            topics.add(new NewTopic(t.topicName(), t.partitions(), (short) 1).configs(t.configs()));
            topics.add(new NewTopic(t.deadLetterTopicName(), 1, (short) 1).configs(t.deadLetterConfigs()));
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000"))) {
            var results = admin.createTopics(topics).values();
            for (var e : results.entrySet()) {
                try {
                    e.getValue().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + e.getKey() + ": " + ex.getCause(), ex);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka at " + bootstrapServers + " did not create the topics within 30 s", e);
        }
        return topics.stream().map(NewTopic::name).toList();
    }
}
