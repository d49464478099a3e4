package org.mmapmtl.events;

/**
 * An event that cannot be accepted: corrupt bytes, an unknown schema or major version, or a field out of range.
 * Consumers send such records to the topic's dead-letter topic with this message as the reason.
 */
public class EventFormatException extends RuntimeException {
    public EventFormatException(String message) {
        super(message);
    }

    public EventFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
