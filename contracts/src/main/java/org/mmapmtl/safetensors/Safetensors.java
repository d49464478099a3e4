package org.mmapmtl.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (an 8-byte little-endian header length, a JSON header, then raw tensor bytes):
 * the one reader and writer of the project, used for gradient events, weights and checkpoints alike.
 */
public final class Safetensors {

    /** Headers larger than this are refused: real ones are a few hundred KiB even for ViT-L. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final String METADATA_KEY = "__metadata__";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Safetensors() {
    }

    public static byte[] write(Map<String, Tensor> tensors, Map<String, String> metadata) {
        byte[] header = header(tensors, metadata);
        long total = 8L + header.length + dataBytes(tensors);
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("payload of " + total + " bytes is too large for memory; write it to a file");
        }
        ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(header.length).put(header);
        for (Tensor t : tensors.values()) {
            out.put(t.data().duplicate());
        }
        return out.array();
    }

    /** Streams to a file, so that weights larger than a Java array can be written. */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) {
        byte[] header = header(tensors, metadata);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
            writeFully(channel, prefix);
            writeFully(channel, ByteBuffer.wrap(header));
            for (Tensor t : tensors.values()) {
                writeFully(channel, t.data().duplicate());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write safetensors file " + path + ": " + e.getMessage(), e);
        }
    }

    public static SafetensorsContent read(byte[] bytes, String source) {
        ByteBuffer all = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        Header header = parseHeader(all, bytes.length, source);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry e : header.entries()) {
            ByteBuffer slice = all.duplicate().position((int) (header.dataStart() + e.begin()))
                    .limit((int) (header.dataStart() + e.end())).slice();
            tensors.put(e.name(), new Tensor(e.dtype(), e.shape(), slice));
        }
        return new SafetensorsContent(source, header.metadata(), tensors);
    }

    /** Reads a file by memory-mapping each tensor, so weights of any size load without copying. */
    public static SafetensorsContent read(Path path) {
        String source = path.toString();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            int prefixLength = (int) Math.min(size, 8);
            ByteBuffer prefix = ByteBuffer.allocate(prefixLength).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, prefix, 0);
            long headerLength = checkHeaderLength(prefix.flip(), size, source);
            ByteBuffer headerBytes = ByteBuffer.allocate((int) (8 + headerLength)).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, headerBytes, 0);
            Header header = parseHeader(headerBytes.flip(), size, source);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Entry e : header.entries()) {
                ByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, header.dataStart() + e.begin(),
                        e.end() - e.begin());
                tensors.put(e.name(), new Tensor(e.dtype(), e.shape(), mapped));
            }
            return new SafetensorsContent(source, header.metadata(), tensors);
        } catch (NoSuchFileException e) {
            throw new SafetensorsFormatException(source + ": no such file");
        } catch (IOException e) {
            throw new SafetensorsFormatException(source + ": cannot read: " + e.getMessage(), e);
        }
    }

    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    private record Header(Map<String, String> metadata, List<Entry> entries, long dataStart) {
    }

    private static long checkHeaderLength(ByteBuffer prefix, long totalSize, String source) {
        if (totalSize < 8) {
            throw new SafetensorsFormatException(source + ": " + totalSize
                    + " bytes is too short for a safetensors file (it starts with an 8-byte header length)");
        }
        long headerLength = prefix.order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || headerLength > totalSize - 8) {
            throw new SafetensorsFormatException(source + ": header length " + Long.toUnsignedString(headerLength)
                    + " does not fit a file of " + totalSize + " bytes: truncated, or not a safetensors file");
        }
        return headerLength;
    }

    /** Parses the header; {@code buffer} holds at least the prefix and the header, {@code totalSize} is the whole payload. */
    private static Header parseHeader(ByteBuffer buffer, long totalSize, String source) {
        long headerLength = checkHeaderLength(buffer, totalSize, source);
        byte[] json = new byte[(int) headerLength];
        buffer.duplicate().position(8).get(json);
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new SafetensorsFormatException(source + ": header is not valid JSON: not a safetensors file ("
                    + firstLine(e) + ")");
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsFormatException(source + ": header is not a JSON object: not a safetensors file");
        }
        long dataStart = 8 + headerLength;
        long dataSize = totalSize - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            JsonNode node = field.getValue();
            if (METADATA_KEY.equals(name)) {
                if (!node.isObject()) {
                    throw new SafetensorsFormatException(source + ": __metadata__ must be an object of strings");
                }
                node.fields().forEachRemaining(m -> {
                    if (!m.getValue().isTextual()) {
                        throw new SafetensorsFormatException(source + ": __metadata__ entry '" + m.getKey()
                                + "' is not a string");
                    }
                    metadata.put(m.getKey(), m.getValue().asText());
                });
                continue;
            }
            entries.add(entry(name, node, dataSize, source));
        }
        long dataEnd = entries.stream().mapToLong(Entry::end).max().orElse(0);
        if (dataEnd != dataSize) {
            // as the reference reader: bytes after the last tensor mean a file not written whole, or two files in one
            throw new SafetensorsFormatException(source + ": the tensors end at data byte " + dataEnd + " but the data "
                    + "section has " + dataSize + " bytes: trailing bytes, or not a file written whole");
        }
        return new Header(metadata, entries, dataStart);
    }

    private static Entry entry(String name, JsonNode node, long dataSize, String source) {
        String where = source + ": tensor '" + name + "'";
        if (!node.isObject() || !node.path("dtype").isTextual() || !node.path("shape").isArray()
                || !node.path("data_offsets").isArray() || node.path("data_offsets").size() != 2) {
            throw new SafetensorsFormatException(where + " needs dtype, shape and data_offsets [begin, end]");
        }
        DType dtype = DType.parse(node.get("dtype").asText(), where);
        ArrayNode shapeNode = (ArrayNode) node.get("shape");
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || d.asLong() < 0) {
                throw new SafetensorsFormatException(where + ": shape entries must be non-negative integers");
            }
            shape[i] = d.asLong();
        }
        long begin = node.get("data_offsets").get(0).asLong(-1);
        long end = node.get("data_offsets").get(1).asLong(-1);
        long expected;
        try {
            expected = Math.multiplyExact(Tensor.elementCount(shape), dtype.bytes());
        } catch (ArithmeticException e) {
            throw new SafetensorsFormatException(where + ": shape " + java.util.Arrays.toString(shape) + " overflows");
        }
        if (begin < 0 || end < begin) {
            throw new SafetensorsFormatException(where + ": invalid data_offsets [" + begin + ", " + end + "]");
        }
        if (end - begin != expected) {
            throw new SafetensorsFormatException(where + ": shape " + java.util.Arrays.toString(shape) + " of " + dtype
                    + " needs " + expected + " bytes but data_offsets span " + (end - begin));
        }
        if (end > dataSize) {
            throw new SafetensorsFormatException(where + " ends at data byte " + end + " but the data section has only "
                    + dataSize + " bytes: file truncated");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static byte[] header(Map<String, Tensor> tensors, Map<String, String> metadata) {
        ObjectNode root = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA_KEY);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (METADATA_KEY.equals(e.getKey())) {
                throw new IllegalArgumentException("'" + METADATA_KEY + "' is reserved and cannot name a tensor");
            }
            Tensor t = e.getValue();
            ObjectNode node = root.putObject(e.getKey());
            node.put("dtype", t.dtype().name());
            ArrayNode shape = node.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long size = t.data().remaining();
            node.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
        }
        try {
            byte[] json = JSON.writeValueAsBytes(root);
            // pad with spaces so tensor data starts 8-byte aligned, as the reference writer does
            int padded = (json.length + 7) / 8 * 8;
            byte[] out = new byte[padded];
            System.arraycopy(json, 0, out, 0, json.length);
            java.util.Arrays.fill(out, json.length, padded, (byte) ' ');
            return out;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long dataBytes(Map<String, Tensor> tensors) {
        return tensors.values().stream().mapToLong(t -> t.data().remaining()).sum();
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                break;
            }
            at += n;
        }
    }

    private static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
