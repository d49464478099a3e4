package org.mmapmtl.localstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import org.junit.jupiter.api.Test;
import org.mmapmtl.events.EventTopic;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The compose file and the Strimzi manifests restate the topics of EventTopic; this keeps them from drifting. */
class DeployManifestsTest {
    static final Path DEPLOY = Path.of("..", "deploy");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

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

    @Test
    void strimziTopicsMatchEventTopic() throws Exception {
        Map<String, TopicSpec> found = new HashMap<>();
        try (YAMLParser parser = new YAMLFactory().createParser(DEPLOY.resolve("k8s/topics.yaml").toFile())) {
            for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
                JsonNode doc = it.next();
                Map<String, String> configs = new HashMap<>();
                doc.path("spec").path("config").fields().forEachRemaining(e -> configs.put(e.getKey(), e.getValue().asText()));
                found.put(doc.path("metadata").path("name").asText(),
                        new TopicSpec(doc.path("spec").path("partitions").asInt(), configs));
            }
        }
        assertThat(found).isEqualTo(expected());
    }

    @Test
    void composeTopicsMatchEventTopic() throws Exception {
        Pattern create = Pattern.compile("--topic (\\S+) --partitions (\\d+)((?: --config \\S+)*)");
        Map<String, TopicSpec> found = new HashMap<>();
        Matcher m = create.matcher(Files.readString(DEPLOY.resolve("compose.yaml")));
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
