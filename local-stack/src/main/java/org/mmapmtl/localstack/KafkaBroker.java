package org.mmapmtl.localstack;

/** A running Kafka broker that the local stack owns and stops. */
public interface KafkaBroker extends AutoCloseable {
    String bootstrapServers();

    @Override
    void close();

    /** Stops the broker and starts it again with its data and address, returning the running one. */
    default KafkaBroker restart() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot be restarted in place");
    }
}
