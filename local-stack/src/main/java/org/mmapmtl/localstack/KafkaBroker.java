package org.mmapmtl.localstack;

/** A running Kafka broker that the local stack owns and stops. */
public interface KafkaBroker extends AutoCloseable {
    String bootstrapServers();

    /** Who may connect, or null where the broker takes anyone (a container started by Testcontainers). */
    default KafkaUsers users() {
        return null;
    }

    @Override
    void close();

    /** Stops the broker and starts it again with its data and address, returning the running one. */
    default KafkaBroker restart() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot be restarted in place");
    }
}
