package org.mmapmtl.grouping;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;

/**
 * Symmetric task-to-task affinity (mean gradient similarity), rows and columns in the order of {@code tasks}.
 * Construction checks everything a partition search relies on and names each problem it finds.
 */
public record AffinityMatrix(List<String> tasks, double[][] values) {
    /** Absolute tolerance for symmetry: averaged float32 cosines differ in their last bits. */
    public static final double SYMMETRY_TOLERANCE = 1e-6;

    public AffinityMatrix {
        List<String> problems = problems(tasks, values);
        if (!problems.isEmpty()) {
            throw new InvalidAffinityException(problems);
        }
        tasks = List.copyOf(tasks);
        values = Arrays.stream(values).map(double[]::clone).toArray(double[][]::new);
    }

    /**
     * The largest |affinity| or |τ| a client may post: similarities are cosines in [-1, 1]; a client's own scale has
     * room up to here, and sums over any partition of 64 tasks stay far from overflowing to infinity. Matrices this
     * service computes itself are only required to be finite.
     */
    public static final double MAX_MAGNITUDE = 1e6;

    /** {@link #problems} plus the magnitude limit of what a client posts. */
    public static List<String> postedProblems(List<String> tasks, double[][] values) {
        List<String> problems = problems(tasks, values);
        if (values != null) {
            for (int i = 0; i < values.length; i++) {
                for (int j = 0; values[i] != null && j < values[i].length; j++) {
                    if (Double.isFinite(values[i][j]) && Math.abs(values[i][j]) > MAX_MAGNITUDE) {
                        problems.add("affinity[" + i + "][" + j + "]: " + values[i][j] + " is beyond ±" + MAX_MAGNITUDE);
                    }
                }
            }
        }
        return problems;
    }

    /** The longest task name accepted: a domain's folder name, with room to spare. */
    public static final int MAX_NAME = 128;

    /** Every reason these inputs do not form an affinity matrix; empty when they do. */
    public static List<String> problems(List<String> tasks, double[][] values) {
        List<String> problems = new ArrayList<>();
        boolean named = tasks != null && !tasks.isEmpty();
        if (!named) {
            problems.add("tasks: at least one task is needed");
        } else {
            for (int i = 0; i < tasks.size(); i++) {
                String t = tasks.get(i);
                if (t == null || t.isBlank() || t.length() > MAX_NAME) {
                    problems.add("tasks[" + i + "]: a task is a non-blank name of at most " + MAX_NAME + " characters");
                }
            }
            if (new HashSet<>(tasks).size() != tasks.size()) {
                problems.add("tasks: task names must be distinct");
            }
        }
        if (values == null || values.length == 0) {
            problems.add("affinity: missing: one row per task");
            return problems;
        }
        // the matrix is judged on its own too, so that every problem is named at once
        int n = values.length;
        if (named && n != tasks.size()) {
            problems.add("affinity: expected " + tasks.size() + " rows (one per task), got " + n);
        }
        boolean square = true;
        for (int i = 0; i < n; i++) {
            if (values[i] == null || values[i].length != n) {
                problems.add("affinity[" + i + "]: expected " + n + " entries (a square matrix), got "
                        + (values[i] == null ? 0 : values[i].length));
                square = false;
            }
        }
        if (!square) {
            return problems;
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (!Double.isFinite(values[i][j])) {
                    problems.add("affinity[" + i + "][" + j + "]: " + values[i][j] + " is not a finite number");
                } else if (j > i && Double.isFinite(values[j][i]) && Math.abs(values[i][j] - values[j][i]) > SYMMETRY_TOLERANCE) {
                    problems.add("affinity[" + i + "][" + j + "]: " + values[i][j] + " but affinity[" + j + "][" + i
                            + "] is " + values[j][i] + "; the matrix must be symmetric");
                }
            }
        }
        return problems;
    }

    public int size() {
        return tasks.size();
    }

    /** The symmetric value used by the search: the mean of the two triangles. */
    public double at(int i, int j) {
        return (values[i][j] + values[j][i]) / 2;
    }

    @Override
    public double[][] values() {
        return Arrays.stream(values).map(double[]::clone).toArray(double[][]::new);
    }

    /** The mean of the off-diagonal entries: the default threshold τ. Zero for a single task. */
    public double meanOffDiagonal() {
        int n = size();
        if (n < 2) {
            return 0;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                sum += at(i, j);
            }
        }
        return sum / (n * (n - 1) / 2.0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AffinityMatrix a && a.tasks.equals(tasks) && Arrays.deepEquals(a.values, values);
    }

    @Override
    public int hashCode() {
        return tasks.hashCode() * 31 + Arrays.deepHashCode(values);
    }
}
