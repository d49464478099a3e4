package org.mmapmtl.trainer.spec;


/** One thing wrong with a submitted spec: the field as a JSON path ({@code recipe.epochs}, {@code methods[2]}) and why. */
public record SpecError(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
