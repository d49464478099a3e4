package org.mmapmtl.safetensors;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;

/** What a safetensors payload holds: string metadata and named tensors, in file order. */
public record SafetensorsContent(String source, Map<String, String> metadata, Map<String, Tensor> tensors) {

    public SafetensorsContent {
        metadata = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata));
        tensors = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tensors));
    }

    /** The tensor of that name; absent, the error names the source and the tensors it does have. */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new SafetensorsFormatException(source + ": missing tensor '" + name + "' (present: "
                    + summarize(new TreeSet<>(tensors.keySet())) + ")");
        }
        return t;
    }

    /** The tensor of that name, which must have exactly this shape. */
    public Tensor tensor(String name, long... expectedShape) {
        Tensor t = tensor(name);
        if (!Arrays.equals(t.shape(), expectedShape)) {
            throw new SafetensorsFormatException(source + ": tensor '" + name + "' has shape "
                    + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(expectedShape));
        }
        return t;
    }

    /** The metadata entry of that key; absent, the error names the source and the key. */
    public String metadata(String key) {
        String value = metadata.get(key);
        if (value == null) {
            throw new SafetensorsFormatException(source + ": missing metadata entry '" + key + "'");
        }
        return value;
    }

    private static String summarize(java.util.Collection<String> names) {
        if (names.size() <= 12) {
            return String.join(", ", names);
        }
        return String.join(", ", names.stream().limit(12).toList()) + ", ... " + (names.size() - 12) + " more";
    }
}
