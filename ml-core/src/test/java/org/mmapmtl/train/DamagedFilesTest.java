package org.mmapmtl.train;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmapmtl.clip.ClipArchitecture;
import org.mmapmtl.clip.ClipInitializer;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.safetensors.Safetensors;
import org.mmapmtl.safetensors.SafetensorsFormatException;
import org.mmapmtl.safetensors.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Weights and checkpoint files damaged in generated ways (cut short, bytes overwritten, the header's length or text
 * replaced, junk appended, foreign content), 150 of each from a fixed seed: each read either yields a file the checks
 * accept (a byte changed inside tensor data is undetectable by design) or fails with one of the two documented
 * exceptions, naming the file. Never a stray NullPointerException, IndexOutOfBounds, NegativeArraySize or
 * OutOfMemoryError.
 */
class DamagedFilesTest {
    private static final int CASES = 150;
    private static final List<String> HEADERS = List.of(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1099511627776,1099511627776],\"data_offsets\":[0,4]}}",
            "{\"a\":{\"dtype\":\"Q9\",\"shape\":[1],\"data_offsets\":[4,0]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,99999999999]}}",
            "{\"__metadata__\":{\"schema\":7}}", "null", "[]", "\"\"", "\u0000\u0000", "PK\u0003\u0004", "\u0089PNG\r\n");
    private static byte[] weights;
    private static byte[] checkpoint;

    @TempDir
    static Path dir;

    @BeforeAll
    static void files() throws IOException {
        Path w = dir.resolve("tiny.safetensors");
        ClipInitializer.write(w, ClipArchitecture.TINY, 7);
        weights = Files.readAllBytes(w);
        Map<String, Tensor> params = new LinkedHashMap<>();
        params.put("shared.source", Tensor.vector(new float[] {0.1f, -0.2f, 0.3f, 0.4f}));
        params.put("momentum/shared.source", Tensor.vector(new float[4]));
        checkpoint = Safetensors.write(params, Map.of("schema", CheckpointFile.SCHEMA, "method", "mmap-mt",
                "tasks", "[\"a\",\"b\"]", "step", "8", "epoch", "1"));
    }

    /** One damaged copy of a file and what was done to it. */
    record Damaged(String what, byte[] bytes) {
    }

    static Damaged damage(byte[] original, Random random) {
        int at = random.nextInt(original.length);
        int headerEnd = 8 + (int) ByteBuffer.wrap(original, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] junk = random.nextBoolean() ? HEADERS.get(random.nextInt(HEADERS.size())).getBytes(StandardCharsets.UTF_8)
                : randomBytes(random, 1 + random.nextInt(64));
        byte[] b = original.clone();
        switch (random.nextInt(6)) {
            case 0:
                return new Damaged("cut at " + at, Arrays.copyOf(original, at));
            case 1:
                System.arraycopy(junk, 0, b, at, Math.min(junk.length, b.length - at));
                return new Damaged("overwritten at " + at, b);
            case 2:
                int h = 8 + random.nextInt(headerEnd - 8);
                System.arraycopy(junk, 0, b, h, Math.min(junk.length, headerEnd - h));
                return new Damaged("header overwritten at " + h, b);
            case 3:
                long[] lengths = {random.nextLong(), random.nextInt(33) - 16, 0, 1, 2, Long.MAX_VALUE, Long.MIN_VALUE,
                        100_000_001L, 1L << 32, headerEnd - 8 + random.nextInt(9) - 4};
                long length = lengths[random.nextInt(lengths.length)];
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
                return new Damaged("header length " + length, b);
            case 4:
                byte[] longer = Arrays.copyOf(original, original.length + junk.length);
                System.arraycopy(junk, 0, longer, original.length, junk.length);
                return new Damaged("junk appended", longer);
            default:
                return new Damaged("foreign content", junk);
        }
    }

    static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    void readEachDamagedCopy(byte[] original, String kind, Consumer<Path> read) throws IOException {
        Random random = new Random(20261130L);
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < CASES; i++) {
            Damaged d = damage(original, random);
            Path file = dir.resolve(kind + "-" + i + ".safetensors");
            Files.write(file, d.bytes());
            Throwable failure = catchThrowable(() -> read.accept(file));
            if (failure != null) {
                assertThat(failure).as(d.what()).isInstanceOfAny(SafetensorsFormatException.class,
                        IllegalArgumentException.class);
                assertThat(failure.getMessage()).as(d.what()).contains(file.toString());
            }
            outcomes.merge(d.what().replaceAll(" -?\\d+$", "") + " -> "
                    + (failure == null ? "read" : failure.getClass().getSimpleName()), 1, Integer::sum);
            Files.delete(file);
        }
        assertThat(outcomes.keySet()).as("every kind of damage was generated and refused at least once")
                .anyMatch(k -> k.startsWith("cut") && !k.endsWith("read"))
                .anyMatch(k -> k.startsWith("header length") && !k.endsWith("read"))
                .anyMatch(k -> k.startsWith("header overwritten") && !k.endsWith("read"))
                .anyMatch(k -> k.startsWith("foreign") && !k.endsWith("read"))
                .noneMatch(k -> k.startsWith("junk appended") && k.endsWith("read"));
        System.out.println(kind + ": " + outcomes);
    }

    @Test
    void damagedWeightsFailWithAMessageNamingTheFile() throws IOException {
        readEachDamagedCopy(weights, "weights", ClipWeights::read);
    }

    @Test
    void damagedCheckpointsFailWithAMessageNamingTheFile() throws IOException {
        readEachDamagedCopy(checkpoint, "checkpoint", CheckpointFile::read);
    }
}
