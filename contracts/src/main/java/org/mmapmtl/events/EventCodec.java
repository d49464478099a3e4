package org.mmapmtl.events;

/** Turns one event type into the bytes of a Kafka record value and back, checking the schema version. */
public interface EventCodec<T> {
    SchemaId schema();

    byte[] encode(T event);

    /** @throws EventFormatException for corrupt bytes, another schema or major version, or invalid fields */
    T decode(byte[] bytes);
}
