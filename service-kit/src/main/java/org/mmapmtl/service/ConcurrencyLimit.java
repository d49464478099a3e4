package org.mmapmtl.service;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most {@code max} holders at once, without waiting: a caller either enters or is turned away at once (and then
 * answers 503), so nothing queues without bound. Every successful {@link #tryEnter()} must be matched by one
 * {@link #leave()}.
 */
public final class ConcurrencyLimit {
    private final AtomicInteger inUse = new AtomicInteger();
    private final int max;

    public ConcurrencyLimit(int max) {
        this.max = max;
    }

    public boolean tryEnter() {
        if (inUse.incrementAndGet() > max) {
            inUse.decrementAndGet();
            return false;
        }
        return true;
    }

    public void leave() {
        inUse.decrementAndGet();
    }

    public int inUse() {
        return inUse.get();
    }

    public int max() {
        return max;
    }
}
