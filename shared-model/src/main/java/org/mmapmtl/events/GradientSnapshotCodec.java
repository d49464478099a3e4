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
 * mmap.gradient/1: a safetensors payload with one F32 vector {@code grad} and the snapshot's identity in
 * {@code __metadata__}, so that any safetensors reader (Python, kcat + numpy) can inspect the topic.
 */
final class GradientSnapshotCodec implements EventCodec<GradientSnapshot> {
    static final String TENSOR = "grad";

    @Override
    public SchemaId schema() {
        return SchemaId.of("mmap.gradient", 1);
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
        return Safetensors.write(Map.of(TENSOR, Tensor.vector(s.gradient())), metadata);
    }

    @Override
    public GradientSnapshot decode(byte[] bytes) {
        SafetensorsContent content;
        try {
            content = Safetensors.read(bytes, "gradient record");
            schema().requireReadable(content.metadata().get("schema"));
            Tensor grad = content.tensor(TENSOR);
            if (grad.dtype() != DType.F32 || grad.shape().length != 1) {
                throw new EventFormatException("tensor 'grad' must be a 1-D F32 vector, got " + grad.dtype() + " "
                        + Arrays.toString(grad.shape()));
            }
            return new GradientSnapshot(content.metadata("experiment"), content.metadata("task"),
                    List.of(content.metadata("tasks").split(",", -1)), integer(content, "snapshot"),
                    integer(content, "snapshots"), Long.parseLong(content.metadata("step")), grad.toFloats());
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
