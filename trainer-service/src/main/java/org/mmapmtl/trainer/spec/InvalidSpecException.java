package org.mmapmtl.trainer.spec;


import java.util.List;
import java.util.stream.Collectors;

/** A spec refused with every problem found, not only the first. */
public final class InvalidSpecException extends IllegalArgumentException {
    private final List<SpecError> errors;

    public InvalidSpecException(List<SpecError> errors) {
        super(errors.stream().map(SpecError::toString).collect(Collectors.joining("; ")));
        this.errors = List.copyOf(errors);
    }

    public List<SpecError> errors() {
        return errors;
    }
}
