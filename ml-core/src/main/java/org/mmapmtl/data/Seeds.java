package org.mmapmtl.data;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Derives independent seeds from a run's seed and a name (a split's domain/class, a parameter, a task's batch order
 * at some pass), so that
 * every random draw depends only on what it is for, never on how many draws came before it.
 */
public final class Seeds {
    private Seeds() {
    }

    /** The first 8 bytes of SHA-256("seed/name"). */
    public static long derive(long seed, String name) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((seed + "/" + name).getBytes(StandardCharsets.UTF_8));
            long s = 0;
            for (int i = 0; i < 8; i++) {
                s = (s << 8) | (h[i] & 0xff);
            }
            return s;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
