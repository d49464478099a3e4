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
 * the result of a poll run for it right away. A stream that reads data of its own {@link #register}s its key instead
 * and reads only when {@link #latest} says there is something new. Polls run on one thread of their own, never on an event loop; a poll
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
    private final Map<K, Integer> registered = new ConcurrentHashMap<>();
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
                    if (!registered.containsKey(k)) {
                        last.remove(k);
                    }
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

    /**
     * Keeps the key polled until the registration is closed, for a stream that reads its own data and asks
     * {@link #latest} first whether there is anything to read.
     */
    public AutoCloseable register(K key) {
        registered.merge(key, 1, Integer::sum);
        thread.execute(this::pollQuietly);
        java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                registered.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
                if (!registered.containsKey(key) && !watchers.containsKey(key)) {
                    last.remove(key);
                }
            }
        };
    }

    /** The key's value from the newest poll, while it is watched or registered; empty before the first. */
    public java.util.Optional<V> latest(K key) {
        return java.util.Optional.ofNullable(last.get(key));
    }

    /** How many keys are watched or registered now. */
    public int watchedKeys() {
        Set<K> keys = new HashSet<>(watchers.keySet());
        keys.addAll(registered.keySet());
        return keys.size();
    }

    private void pollQuietly() {
        Set<K> keys = new HashSet<>(watchers.keySet());
        keys.addAll(registered.keySet());
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
            if (value == null) {
                return;
            }
            Set<MultiEmitter<? super V>> set = watchers.get(key);
            if (set == null && !registered.containsKey(key)) {
                return;
            }
            last.put(key, value);
            if (set != null) {
                set.forEach(e -> e.emit(value));
            }
        });
        // a watcher or registration that left during the poll
        last.keySet().removeIf(k -> !watchers.containsKey(k) && !registered.containsKey(k));
    }

    @Override
    public void close() {
        thread.shutdownNow();
        watchers.values().forEach(set -> set.forEach(MultiEmitter::complete));
        watchers.clear();
        registered.clear();
    }
}
