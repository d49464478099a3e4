package org.mmapmtl.events;

import java.util.HashSet;
import java.util.List;
import java.util.regex.Pattern;

/** Field checks shared by the event records; each failure names the field and what it must be. */
final class Checks {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:\\-]{0,127}");

    private Checks() {
    }

    static String id(String field, String value) {
        if (value == null || !ID.matcher(value).matches()) {
            throw new EventFormatException(field + " '" + value
                    + "' must be 1-128 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit");
        }
        return value;
    }

    static String text(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new EventFormatException(field + " is missing or blank");
        }
        return value;
    }

    static List<String> taskList(String field, List<String> tasks) {
        if (tasks == null || tasks.isEmpty()) {
            throw new EventFormatException(field + " must name at least one task");
        }
        var seen = new HashSet<String>();
        for (String t : tasks) {
            text(field + " entry", t);
            if (t.contains(",")) {
                throw new EventFormatException(field + " entry '" + t + "' must not contain a comma");
            }
            if (!seen.add(t)) {
                throw new EventFormatException(field + " names task '" + t + "' twice");
            }
        }
        return List.copyOf(tasks);
    }

    /** Groups must be non-empty and together hold every task of {@code tasks} exactly once. */
    static List<List<String>> groups(List<List<String>> groups, List<String> tasks) {
        if (groups == null || groups.isEmpty()) {
            throw new EventFormatException("groups must hold at least one group");
        }
        var seen = new HashSet<String>();
        for (List<String> g : groups) {
            if (g == null || g.isEmpty()) {
                throw new EventFormatException("groups must not contain an empty group");
            }
            for (String t : g) {
                if (!tasks.contains(t)) {
                    throw new EventFormatException("groups name task '" + t + "' which is not in tasks " + tasks);
                }
                if (!seen.add(t)) {
                    throw new EventFormatException("groups name task '" + t + "' more than once");
                }
            }
        }
        if (seen.size() != tasks.size()) {
            var missing = new java.util.ArrayList<>(tasks);
            missing.removeAll(seen);
            throw new EventFormatException("groups leave out tasks " + missing);
        }
        return groups.stream().map(List::copyOf).toList();
    }

    static int nonNegative(String field, int value) {
        if (value < 0) {
            throw new EventFormatException(field + " must be >= 0, got " + value);
        }
        return value;
    }

    static double finite(String field, double value) {
        if (!Double.isFinite(value)) {
            throw new EventFormatException(field + " must be a finite number, got " + value);
        }
        return value;
    }
}
