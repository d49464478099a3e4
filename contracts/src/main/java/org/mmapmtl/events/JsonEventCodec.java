package org.mmapmtl.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;

/**
 * A JSON event: the record's fields plus a leading {@code schema} field. Unknown fields are ignored so that a newer
 * minor version can add optional fields without breaking older readers.
 */
final class JsonEventCodec<T> implements EventCodec<T> {
    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            // bytes after the event mean a corrupt record (two records run together, junk appended): refused
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final SchemaId schema;
    private final Class<T> type;
    private final java.util.Set<String> addedInMinorVersions;

    JsonEventCodec(SchemaId schema, Class<T> type) {
        this(schema, type, java.util.Set.of());
    }

    /**
     * @param addedInMinorVersions fields a record may leave out (added in a minor version, or null and not written):
     *                             read as null; a dotted path ({@code runSpec.prompt.contextInit}) names a field of a
     *                             nested object, filled in when that object is there
     */
    JsonEventCodec(SchemaId schema, Class<T> type, java.util.Set<String> addedInMinorVersions) {
        this.schema = schema;
        this.type = type;
        this.addedInMinorVersions = addedInMinorVersions;
    }

    @Override
    public SchemaId schema() {
        return schema;
    }

    @Override
    public byte[] encode(T event) {
        ObjectNode node = JSON.createObjectNode();
        node.put("schema", schema.toString());
        node.setAll((ObjectNode) JSON.valueToTree(event));
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize " + event, e);
        }
    }

    @Override
    public T decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new EventFormatException((bytes == null ? "a record without a value (a tombstone)" : "an empty record")
                    + ", expected a " + schema + " event");
        }
        JsonNode node;
        try {
            node = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new EventFormatException("not JSON, expected a " + schema + " event: " + firstLine(e.getMessage()), e);
        }
        if (node == null || !node.isObject()) {
            throw new EventFormatException("not a JSON object, expected a " + schema + " event");
        }
        schema.requireReadable(node.path("schema").isTextual() ? node.get("schema").asText() : null);
        ((ObjectNode) node).remove("schema");
        for (String path : addedInMinorVersions) {
            JsonNode parent = node;
            String[] steps = path.split("\\.");
            for (int i = 0; i < steps.length - 1 && parent != null; i++) {
                parent = parent.get(steps[i]);
            }
            String field = steps[steps.length - 1];
            if (parent instanceof ObjectNode object && !object.has(field)) {
                object.putNull(field);
            }
        }
        try {
            return JSON.treeToValue(node, type);
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause();
            if (cause instanceof EventFormatException format) {
                throw new EventFormatException(schema + " event rejected: " + format.getMessage(), format);
            }
            throw new EventFormatException(schema + " event rejected: " + firstLine(String.valueOf(cause)), e);
        } catch (JsonProcessingException e) {
            throw new EventFormatException(schema + " event rejected: " + firstLine(e.getOriginalMessage()), e);
        }
    }

    private static String firstLine(String message) {
        String m = String.valueOf(message);
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
