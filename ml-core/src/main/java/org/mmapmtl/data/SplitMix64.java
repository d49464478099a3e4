package org.mmapmtl.data;

import java.util.List;

/**
 * The SplitMix64 generator, written out so that a split is the same on every JVM and can be reproduced in any
 * language: the seed of each (seed, domain, class) is the first 8 bytes of SHA-256("seed/domain/class").
 */
final class SplitMix64 {
    private long state;

    SplitMix64(long seed) {
        this.state = seed;
    }

    static SplitMix64 forClass(long seed, String domain, String classFolder) {
        return new SplitMix64(Seeds.derive(seed, domain + "/" + classFolder));
    }

    long next() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, bound), by the high bits (bias below 2^-40 for the list sizes of datasets). */
    int below(int bound) {
        return (int) (((next() >>> 33) * bound) >>> 31);
    }

    /** Fisher–Yates, from the last element down. */
    <T> void shuffle(List<T> list) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = below(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }
}
