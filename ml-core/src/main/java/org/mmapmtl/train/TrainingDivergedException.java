package org.mmapmtl.train;

/** The loss became NaN or infinite: the run cannot go on with these settings. */
public class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
