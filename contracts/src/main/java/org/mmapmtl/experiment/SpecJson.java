package org.mmapmtl.experiment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Compact, stable JSON of specs (fields in declaration order), as stored in the database and in checkpoints. */
public final class SpecJson {
    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private SpecJson() {
    }

    public static String write(Object spec) {
        try {
            return JSON.writeValueAsString(spec);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + spec, e);
        }
    }

    public static RunSpec runSpec(String json) {
        return read(json, RunSpec.class);
    }

    /** A spec stored by this service (already checked when it was submitted). */
    public static ExperimentSpec experimentSpec(String json) {
        return read(json, ExperimentSpec.class);
    }

    private static <T> T read(String json, Class<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("unreadable " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }
}
