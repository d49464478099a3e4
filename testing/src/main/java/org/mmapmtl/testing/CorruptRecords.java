package org.mmapmtl.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Record values that a topic's consumer must refuse, made from one valid value of that topic: each goes to the topic's
 * dead-letter topic, so a test can inject them and count exactly as many there. Every kind is certainly invalid,
 * whatever the seed draws: no value, an empty one, random bytes, a proper prefix of the valid value, the valid value
 * with bytes after it, and one as large as the topic takes; for JSON contracts also another schema, the schema alone,
 * and nesting deeper than a reader follows.
 */
public final class CorruptRecords {
    /** @param value null: a record without a value (a tombstone) */
    public record Corrupt(String what, byte[] value) {
        @Override
        public String toString() {
            return what + " (" + (value == null ? "no value" : value.length + " bytes") + ")";
        }
    }

    private CorruptRecords() {
    }

    /**
     * @param valid   an encoded valid value of the topic
     * @param json    whether the contract is JSON (else safetensors)
     * @param largest the size of the large record: at most the topic's max.message.bytes minus room for the key
     */
    public static List<Corrupt> from(byte[] valid, boolean json, int largest, long seed) {
        Random random = new Random(seed);
        List<Corrupt> out = new ArrayList<>();
        out.add(new Corrupt("no value", null));
        out.add(new Corrupt("empty value", new byte[0]));
        for (int i = 0; i < 2; i++) {
            out.add(new Corrupt("random bytes", garbage(random, 1 + random.nextInt(512), json)));
        }
        for (int i = 0; i < 3; i++) {
            out.add(new Corrupt("cut short", Arrays.copyOf(valid, 1 + random.nextInt(valid.length - 1))));
        }
        byte[] junk = json ? "{\"junk\":1}".getBytes(StandardCharsets.UTF_8) : garbage(random, 16, false);
        byte[] appended = Arrays.copyOf(valid, valid.length + junk.length);
        System.arraycopy(junk, 0, appended, valid.length, junk.length);
        out.add(new Corrupt("bytes after the value", appended));
        out.add(new Corrupt("as large as the topic takes", garbage(random, largest, json)));
        if (json) {
            String text = new String(valid, StandardCharsets.UTF_8);
            String schema = text.replaceFirst("(?s).*?\"schema\"\\s*:\\s*\"([^\"]*)\".*", "$1");
            out.add(new Corrupt("another schema", text.replaceFirst("\"schema\"\\s*:\\s*\"[^\"]*\"",
                    "\"schema\":\"mmap.unknown/9\"").getBytes(StandardCharsets.UTF_8)));
            out.add(new Corrupt("the schema alone", ("{\"schema\":\"" + schema + "\"}").getBytes(StandardCharsets.UTF_8)));
            out.add(new Corrupt("nested too deep", ("{\"schema\":\"" + schema + "\",\"x\":" + "[".repeat(20_000)
                    + "]".repeat(20_000) + "}").getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    /** Bytes that are neither JSON (they start with an invalid UTF-8 byte) nor safetensors (an impossible header length). */
    private static byte[] garbage(Random random, int n, boolean json) {
        byte[] b = new byte[Math.max(n, json ? 1 : 8)];
        random.nextBytes(b);
        if (json) {
            b[0] = (byte) 0xff;
        } else {
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, Long.MAX_VALUE - random.nextInt(1000));
        }
        return b;
    }
}
