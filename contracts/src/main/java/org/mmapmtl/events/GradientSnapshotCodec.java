package org.mmapmtl.events;

import org.mmapmtl.safetensors.DType;
import org.mmapmtl.safetensors.Safetensors;
import org.mmapmtl.safetensors.SafetensorsContent;
import org.mmapmtl.safetensors.SafetensorsFormatException;
import org.mmapmtl.safetensors.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * mmap.gradient/1.1: a safetensors payload with one F32 vector {@code grad} and the snapshot's identity in
 * {@code __metadata__}, so that any safetensors reader (Python, kcat + numpy) can inspect the topic. Since 1.1 the
 * experiment's grouping settings ride along as {@code grouping.objective}, {@code grouping.k}, {@code grouping.tau},
 * {@code grouping.similarity} (absent in 1.0 records).
 */
final class GradientSnapshotCodec implements EventCodec<GradientSnapshot> {
    static final String TENSOR = "grad";

    @Override
    public SchemaId schema() {
        return new SchemaId("mmap.gradient", 1, 1);
    }

    @Override
    public byte[] encode(GradientSnapshot s) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("schema", schema().toString());
        metadata.put("experiment", s.experimentId());
        metadata.put("task", s.task());
        metadata.put("tasks", String.join(",", s.tasks()));
        metadata.put("snapshot", Integer.toString(s.snapshot()));
        metadata.put("snapshots", Integer.toString(s.snapshots()));
        metadata.put("step", Long.toString(s.step()));
        if (s.grouping() != null) {
            metadata.put("grouping.objective", s.grouping().objective());
            if (s.grouping().k() != null) {
                metadata.put("grouping.k", Integer.toString(s.grouping().k()));
            }
            if (s.grouping().tau() != null) {
                metadata.put("grouping.tau", Double.toString(s.grouping().tau()));
            }
            metadata.put("grouping.similarity", s.grouping().similarity());
        }
        return Safetensors.write(Map.of(TENSOR, Tensor.vector(s.gradient())), metadata);
    }

    @Override
    public GradientSnapshot decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new EventFormatException((bytes == null ? "a record without a value (a tombstone)" : "an empty record")
                    + ", expected a " + schema() + " event");
        }
        SafetensorsContent content;
        try {
            content = Safetensors.read(bytes, "gradient record");
            schema().requireReadable(content.metadata().get("schema"));
            Tensor grad = content.tensor(TENSOR);
            if (grad.dtype() != DType.F32 || grad.shape().length != 1) {
                throw new EventFormatException("tensor 'grad' must be a 1-D F32 vector, got " + grad.dtype() + " "
                        + Arrays.toString(grad.shape()));
            }
            Map<String, String> meta = content.metadata();
            GradientSnapshot.Grouping grouping = null;
            if (meta.containsKey("grouping.objective")) {
                grouping = new GradientSnapshot.Grouping(meta.get("grouping.objective"),
                        meta.containsKey("grouping.k") ? Integer.valueOf(meta.get("grouping.k")) : null,
                        meta.containsKey("grouping.tau") ? Double.valueOf(meta.get("grouping.tau")) : null,
                        meta.getOrDefault("grouping.similarity", "cosine"));
            }
            return new GradientSnapshot(content.metadata("experiment"), content.metadata("task"),
                    List.of(content.metadata("tasks").split(",", -1)), integer(content, "snapshot"),
                    integer(content, "snapshots"), Long.parseLong(content.metadata("step")), grad.toFloats(), grouping);
        } catch (SafetensorsFormatException e) {
            throw new EventFormatException("not a readable mmap.gradient/1 payload: " + e.getMessage(), e);
        } catch (NumberFormatException e) {
            throw new EventFormatException("gradient record metadata holds a non-integer: " + e.getMessage(), e);
        }
    }

    private static int integer(SafetensorsContent content, String key) {
        return Integer.parseInt(content.metadata(key));
    }
}
