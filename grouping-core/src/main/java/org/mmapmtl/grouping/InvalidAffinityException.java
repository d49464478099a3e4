package org.mmapmtl.grouping;

import java.util.List;

/** An affinity matrix that cannot be searched; {@link #problems()} lists each reason, naming the entry. */
public class InvalidAffinityException extends IllegalArgumentException {
    private final List<String> problems;

    public InvalidAffinityException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
