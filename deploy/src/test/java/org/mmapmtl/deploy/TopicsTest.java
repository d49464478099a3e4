package org.mmapmtl.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.mmapmtl.events.EventTopic;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * EventTopic is the one definition of the topics; the Strimzi manifest is generated from it and the compose file
 * restates it. When they drift this fails, and the Strimzi file to copy over is written to target/.
 */
class TopicsTest {
    static final Path TOPICS = Manifests.K8S.resolve("base/topics.yaml");

    record TopicSpec(int partitions, Map<String, String> configs) {
    }

    static Map<String, TopicSpec> expected() {
        Map<String, TopicSpec> topics = new HashMap<>();
        for (EventTopic t : EventTopic.values()) {
            topics.put(t.topicName(), new TopicSpec(t.partitions(), t.configs()));
            topics.put(t.deadLetterTopicName(), new TopicSpec(1, t.deadLetterConfigs()));
        }
        return topics;
    }

    /** The Strimzi KafkaTopics of EventTopic, as deploy/k8s/base/topics.yaml must hold them. */
    static String strimziTopics() {
        StringBuilder out = new StringBuilder("""
                # Strimzi topics of the pipeline, generated from contracts EventTopic (TopicsTest fails when they drift and
                # writes the current version to deploy/target/topics.yaml). The Kafka cluster is named mmap.
                """);
        for (EventTopic t : EventTopic.values()) {
            topic(out, t.topicName(), t.partitions(), t.configs());
            topic(out, t.deadLetterTopicName(), 1, t.deadLetterConfigs());
        }
        return out.toString();
    }

    private static void topic(StringBuilder out, String name, int partitions, Map<String, String> configs) {
        out.append("---\napiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaTopic\n")
                .append("metadata: {name: ").append(name).append(", labels: {strimzi.io/cluster: mmap}}\n")
                .append("spec:\n  partitions: ").append(partitions).append("\n  replicas: 3\n  config:\n");
        configs.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.append("    ").append(e.getKey()).append(": \"").append(e.getValue()).append("\"\n"));
    }

    @Test
    void strimziTopicsAreGeneratedFromEventTopic() throws Exception {
        String generated = strimziTopics();
        String committed = Files.readString(TOPICS);
        if (!generated.equals(committed)) {
            Path fresh = Path.of("target", "topics.yaml");
            Files.createDirectories(fresh.getParent());
            Files.writeString(fresh, generated);
            assertThat(committed).as("deploy/k8s/base/topics.yaml differs from EventTopic; copy "
                    + fresh.toAbsolutePath() + " over it").isEqualTo(generated);
        }
        Map<String, TopicSpec> found = new HashMap<>();
        for (JsonNode doc : Manifests.documents(TOPICS)) {
            Map<String, String> configs = new HashMap<>();
            doc.path("spec").path("config").fields().forEachRemaining(e -> configs.put(e.getKey(), e.getValue().asText()));
            found.put(doc.path("metadata").path("name").asText(),
                    new TopicSpec(doc.path("spec").path("partitions").asInt(), configs));
        }
        assertThat(found).isEqualTo(expected());
    }

    @Test
    void composeTopicsMatchEventTopic() throws Exception {
        Pattern create = Pattern.compile("--topic (\\S+) --partitions (\\d+)((?: --config \\S+)*)");
        Map<String, TopicSpec> found = new HashMap<>();
        Matcher m = create.matcher(Files.readString(Manifests.DEPLOY.resolve("compose.yaml")));
        while (m.find()) {
            Map<String, String> configs = new HashMap<>();
            for (String c : m.group(3).trim().split("\\s*--config\\s+")) {
                if (!c.isBlank()) {
                    String[] kv = c.split("=", 2);
                    configs.put(kv[0], kv[1]);
                }
            }
            found.put(m.group(1), new TopicSpec(Integer.parseInt(m.group(2)), configs));
        }
        assertThat(found).isEqualTo(expected());
    }
}
