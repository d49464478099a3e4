package org.mmapmtl.safetensors;

/** A safetensors payload or file that cannot be read; the message names the source and what is wrong. */
public class SafetensorsFormatException extends RuntimeException {
    public SafetensorsFormatException(String message) {
        super(message);
    }

    public SafetensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
