package org.mmapmtl.events;

import java.util.Map;

/**
 * The topics of the pipeline and their broker-side settings: the single place that the local stack, the compose
 * file and the Kubernetes manifests take them from. Keys are experiment ids, so one experiment's events stay in order.
 */
public enum EventTopic {
    GRADIENTS("mmap.gradients", 3, 16 * 1024 * 1024),
    PARTITIONS("mmap.partitions", 3, 1024 * 1024),
    CHECKPOINTS("mmap.checkpoints", 3, 1024 * 1024),
    EVALUATIONS("mmap.evaluations", 3, 1024 * 1024),
    PROGRESS("mmap.progress", 3, 1024 * 1024);

    /** Dead-letter topics keep a poison record (and the reason header) for two weeks, long enough to be looked at. */
    public static final long DLQ_RETENTION_MS = 14L * 24 * 3600 * 1000;

    private final String topicName;
    private final int partitions;
    private final int maxMessageBytes;

    EventTopic(String topicName, int partitions, int maxMessageBytes) {
        this.topicName = topicName;
        this.partitions = partitions;
        this.maxMessageBytes = maxMessageBytes;
    }

    public String topicName() {
        return topicName;
    }

    public String deadLetterTopicName() {
        return topicName + ".dlq";
    }

    public int partitions() {
        return partitions;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /** Topic-level configs, as given to the admin client or a Strimzi KafkaTopic. */
    public Map<String, String> configs() {
        return Map.of("max.message.bytes", Integer.toString(maxMessageBytes));
    }

    public Map<String, String> deadLetterConfigs() {
        return Map.of("max.message.bytes", Integer.toString(maxMessageBytes),
                "retention.ms", Long.toString(DLQ_RETENTION_MS));
    }
}
