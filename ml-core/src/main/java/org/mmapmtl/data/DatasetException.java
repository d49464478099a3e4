package org.mmapmtl.data;

/** A dataset that cannot be used as given; the message names the folder, file or line and what to do. */
public class DatasetException extends IllegalArgumentException {
    public DatasetException(String message) {
        super(message);
    }
}
