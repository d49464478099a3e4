package org.mmapmtl.service;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One poll for every stream that watches a value: each period, one call of {@code fetch} reads the values of all the
 * keys that have a watcher (for the dashboard, one query per tick however many browsers are open), and each watcher
 * gets its key's value when it differs from the last one it got. A new watcher gets the key's last value at once, or
 * the result of a poll run for it right away. Polls run on one thread of their own, never on an event loop; a poll
 * that fails is logged and the next one tries again.
 *
 * @param <K> what is watched (an experiment id)
 * @param <V> its value (a version that changes whenever the thing changes)
 */
public final class SharedPoll<K, V> implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SharedPoll.class);

    private final Function<Set<K>, Map<K, V>> fetch;
    private final Map<K, Set<MultiEmitter<? super V>>> watchers = new ConcurrentHashMap<>();
    private final Map<K, V> last = new ConcurrentHashMap<>();
    private final ScheduledExecutorService thread;
    private final String what;

    /**
     * @param fetch  the values of the given keys; a key missing from the answer has no value yet
     * @param period how often the watched keys are read
     * @param what   what is polled, for the thread's name and the log
     */
    public SharedPoll(Function<Set<K>, Map<K, V>> fetch, Duration period, String what) {
        this.fetch = fetch;
        this.what = what;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "shared-poll-" + what);
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(this::pollQuietly, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The key's values as they change, the first at once; ends only when the subscriber cancels. */
    public Multi<V> watch(K key) {
        return Multi.createFrom().<V>emitter(emitter -> {
            watchers.computeIfAbsent(key, k -> new CopyOnWriteArraySet<>()).add(emitter);
            emitter.onTermination(() -> watchers.computeIfPresent(key, (k, set) -> {
                set.remove(emitter);
                if (set.isEmpty()) {
                    last.remove(k);
                    return null;
                }
                return set;
            }));
            V known = last.get(key);
            if (known != null) {
                emitter.emit(known);
            } else {
                thread.execute(this::pollQuietly); // a first value without waiting a period
            }
        }, BackPressureStrategy.LATEST).skip().repetitions(); // a slow client gets the newest value, not a backlog
    }

    /** How many keys are watched now. */
    public int watchedKeys() {
        return watchers.size();
    }

    private void pollQuietly() {
        Set<K> keys = new HashSet<>(watchers.keySet());
        if (keys.isEmpty()) {
            return;
        }
        Map<K, V> values;
        try {
            values = fetch.apply(Set.copyOf(keys));
        } catch (RuntimeException e) {
            LOG.warnf("polling %s for %d stream key(s) failed (%s); the next poll tries again", what, keys.size(),
                    e.getMessage());
            return;
        }
        values.forEach((key, value) -> {
            Set<MultiEmitter<? super V>> set = watchers.get(key);
            if (set == null || value == null) {
                return;
            }
            last.put(key, value);
            set.forEach(e -> e.emit(value));
        });
        last.keySet().retainAll(watchers.keySet()); // a watcher that left during the poll
    }

    @Override
    public void close() {
        thread.shutdownNow();
        watchers.values().forEach(set -> set.forEach(MultiEmitter::complete));
        watchers.clear();
    }
}
