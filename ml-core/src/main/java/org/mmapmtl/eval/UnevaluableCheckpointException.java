package org.mmapmtl.eval;

/** A checkpoint that cannot be evaluated as announced, and never will be: retrying changes nothing. */
public final class UnevaluableCheckpointException extends RuntimeException {
    public UnevaluableCheckpointException(String message) {
        super(message);
    }

    public UnevaluableCheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
