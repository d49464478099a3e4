package org.mmapmtl.localstack;

/** A running Kafka broker that the local stack owns and stops. */
public interface KafkaBroker extends AutoCloseable {
    String bootstrapServers();

    @Override
    void close();
}
