package org.mmapmtl.events;

import java.util.ArrayList;
import java.util.List;

import static org.mmapmtl.events.EventTopic.CHECKPOINTS;
import static org.mmapmtl.events.EventTopic.EVALUATIONS;
import static org.mmapmtl.events.EventTopic.GRADIENTS;
import static org.mmapmtl.events.EventTopic.PARTITIONS;
import static org.mmapmtl.events.EventTopic.PROGRESS;

/**
 * Each service's Kafka user and what it may do: the topics it produces, the topics it consumes (and so may write
 * poison records of to their dead-letter topics), and the prefix of its consumer groups. The local stack's broker
 * ACLs and the cluster's Strimzi KafkaUsers are both made from this table, so a record on a topic can only come from
 * the service that owns it.
 */
public enum KafkaPrincipal {
    TRAINER("mmap-trainer", "trainer-service", List.of(GRADIENTS, CHECKPOINTS, PROGRESS), List.of(PARTITIONS)),
    GROUPING("mmap-grouping", "grouping-service", List.of(PARTITIONS), List.of(GRADIENTS)),
    EVAL("mmap-eval", "eval-service", List.of(EVALUATIONS), List.of(CHECKPOINTS, PROGRESS, PARTITIONS));

    private final String user;
    private final String groupPrefix;
    private final List<EventTopic> produces;
    private final List<EventTopic> consumes;

    KafkaPrincipal(String user, String groupPrefix, List<EventTopic> produces, List<EventTopic> consumes) {
        this.user = user;
        this.groupPrefix = groupPrefix;
        this.produces = produces;
        this.consumes = consumes;
    }

    /** The user name the service authenticates as. */
    public String user() {
        return user;
    }

    /** Every consumer group id of the service starts with this (its service name). */
    public String groupPrefix() {
        return groupPrefix;
    }

    /** The service's schema and role suffix as well: {@code trainer}, {@code grouping}, {@code eval}. */
    public String service() {
        return groupPrefix.substring(0, groupPrefix.indexOf('-'));
    }

    /** Topic names the service may write: what it produces and the dead-letter topics of what it consumes. */
    public List<String> writes() {
        List<String> topics = new ArrayList<>();
        produces.forEach(t -> topics.add(t.topicName()));
        consumes.forEach(t -> topics.add(t.deadLetterTopicName()));
        return topics;
    }

    /** Topic names the service may read. */
    public List<String> reads() {
        return consumes.stream().map(EventTopic::topicName).toList();
    }
}
