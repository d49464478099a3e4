package org.mmapmtl.trainer.spec;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads one field of a spec at a time: each reader records an error naming the field (with the path prefix of its
 * section) and returns null, or false, when the value is unusable, so that a spec's problems are all found in one pass.
 */
final class SpecFields {
    private final List<SpecError> errors = new ArrayList<>();

    List<SpecError> errors() {
        return errors;
    }

    void error(String field, String message) {
        errors.add(new SpecError(field, message));
    }

    void known(JsonNode node, String prefix, String... names) {
        Set<String> allowed = Set.of(names);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                error(prefix + f, "unknown field; known here: " + String.join(", ", names));
            }
        }
    }

    boolean present(JsonNode node, String field) {
        return node.has(field) && !node.get(field).isNull();
    }

    boolean require(JsonNode node, String field, String what) {
        return require(node, field, what, "");
    }

    boolean require(JsonNode node, String field, String what, String prefix) {
        if (!present(node, field)) {
            error(prefix + field, "missing: " + what);
            return false;
        }
        return true;
    }

    String text(JsonNode node, String field, String prefix) {
        JsonNode v = node.get(field);
        if (!v.isTextual() || v.asText().isBlank()) {
            error(prefix + field, "must be a non-empty string, got " + v);
            return null;
        }
        if (v.asText().length() > 4096) {
            error(prefix + field, "longer than 4096 characters");
            return null;
        }
        return v.asText().trim();
    }

    /**
     * A field that takes one of a few words (any case): the word, {@code current} when the field is absent or wrong,
     * and for a wrong one an error saying what it {@code must} be.
     */
    String choice(JsonNode node, String field, String prefix, String current, Set<String> allowed, String must) {
        if (!present(node, field)) {
            return current;
        }
        String value = lower(text(node, field, prefix));
        if (value == null) {
            return current;
        }
        if (!allowed.contains(value)) {
            error(prefix + field, "'" + value + "' must be " + must);
            return current;
        }
        return value;
    }

    Double number(JsonNode node, String field, String prefix) {
        if (!present(node, field)) {
            return null;
        }
        JsonNode v = node.get(field);
        if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
            error(prefix + field, "must be a finite number, got " + v);
            return null;
        }
        return v.asDouble();
    }

    Double positive(JsonNode node, String field, String prefix, double max) {
        Double v = number(node, field, prefix);
        if (v != null && !(v > 0 && v <= max)) {
            error(prefix + field, "must be in (0, " + max + "], got " + v);
            return null;
        }
        return v;
    }

    Integer integer(JsonNode node, String field, String prefix, int min, int max) {
        if (!present(node, field)) {
            return null;
        }
        JsonNode v = node.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            error(prefix + field, "must be an integer, got " + v);
            return null;
        }
        if (v.asInt() < min || v.asInt() > max) {
            error(prefix + field, "must be in " + min + ".." + max + ", got " + v.asInt());
            return null;
        }
        return v.asInt();
    }

    boolean bool(JsonNode node, String field, String prefix) {
        JsonNode v = node.get(field);
        if (!v.isBoolean()) {
            error(prefix + field, "must be true or false, got " + v);
            return false;
        }
        return v.asBoolean();
    }

    List<String> distinctTexts(JsonNode node, String field, int max) {
        if (!node.isArray()) {
            error(field, "must be a list of names, got " + node);
            return List.of();
        }
        if (node.size() > max) {
            error(field, "at most " + max + " entries, got " + node.size());
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode v = node.get(i);
            if (!v.isTextual() || v.asText().isBlank() || v.asText().length() > 128) {
                error(field + "[" + i + "]", "must be a non-empty name of at most 128 characters, got " + v);
            } else if (out.contains(v.asText().trim())) {
                error(field + "[" + i + "]", "'" + v.asText() + "' appears twice");
            } else {
                out.add(v.asText().trim());
            }
        }
        return out;
    }

    boolean hasError(String field) {
        return errors.stream().anyMatch(e -> e.field().equals(field));
    }

    static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    static int or(Integer v, int d) {
        return v == null ? d : v;
    }

    static double or(Double v, double d) {
        return v == null ? d : v;
    }
}
