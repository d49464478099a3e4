package org.mmapmtl.service;

import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class SharedPollTest {
    private final Map<String, String> values = new ConcurrentHashMap<>();
    private final List<Set<String>> fetches = new CopyOnWriteArrayList<>();

    private Map<String, String> fetch(Set<String> keys) {
        fetches.add(keys);
        Map<String, String> out = new HashMap<>();
        keys.forEach(k -> {
            if (values.containsKey(k)) {
                out.put(k, values.get(k));
            }
        });
        return out;
    }

    @Test
    void manyWatchersOfManyKeysShareOneFetchPerPeriod() {
        values.put("a", "1");
        values.put("b", "1");
        try (SharedPoll<String, String> poll = new SharedPoll<>(this::fetch, Duration.ofMillis(100), "test")) {
            List<AssertSubscriber<String>> subscribers = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                subscribers.add(poll.watch(i % 2 == 0 ? "a" : "b").subscribe().withSubscriber(AssertSubscriber.create(10)));
            }
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    subscribers.forEach(s -> assertThat(s.getItems()).containsExactly("1")));
            int before = fetches.size();
            await().pollDelay(Duration.ofMillis(550)).atMost(Duration.ofSeconds(5)).until(() -> true);
            int during = fetches.size() - before;
            // about five periods passed: one fetch each for all 50 watchers and both keys, not one per watcher
            assertThat(during).isBetween(3, 8);
            assertThat(fetches.get(fetches.size() - 1)).containsExactlyInAnyOrder("a", "b");

            values.put("a", "2");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                for (int i = 0; i < subscribers.size(); i++) {
                    // each value once, however many polls returned it; b unchanged gets nothing new
                    assertThat(subscribers.get(i).getItems()).containsExactlyElementsOf(
                            i % 2 == 0 ? List.of("1", "2") : List.of("1"));
                }
            });
            subscribers.forEach(AssertSubscriber::cancel);
            assertThat(poll.watchedKeys()).isZero();
        }
    }

    @Test
    void aLateWatcherGetsTheLastValueAtOnceAndAKeyWithoutValueWaits() {
        values.put("a", "7");
        try (SharedPoll<String, String> poll = new SharedPoll<>(this::fetch, Duration.ofSeconds(30), "test")) {
            AssertSubscriber<String> first = poll.watch("a").subscribe().withSubscriber(AssertSubscriber.create(10));
            // the period is 30 s: the first value comes from the poll run for the new watcher
            first.awaitItems(1, Duration.ofSeconds(5)).assertItems("7");
            int fetched = fetches.size();
            AssertSubscriber<String> second = poll.watch("a").subscribe().withSubscriber(AssertSubscriber.create(10));
            second.awaitItems(1, Duration.ofSeconds(5)).assertItems("7");
            assertThat(fetches).hasSize(fetched); // known already: no fetch for it

            AssertSubscriber<String> none = poll.watch("unknown").subscribe().withSubscriber(AssertSubscriber.create(10));
            await().atMost(Duration.ofSeconds(5)).until(() -> fetches.stream().anyMatch(f -> f.contains("unknown")));
            assertThat(none.getItems()).isEmpty();
            first.cancel();
            second.cancel();
            none.cancel();
        }
    }

    @Test
    void aRegisteredKeyIsPolledAndItsLatestValueReadableUntilTheRegistrationCloses() throws Exception {
        values.put("a", "1");
        try (SharedPoll<String, String> poll = new SharedPoll<>(this::fetch, Duration.ofMillis(100), "test")) {
            assertThat(poll.latest("a")).isEmpty();
            AutoCloseable first = poll.register("a");
            AutoCloseable second = poll.register("a");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(poll.latest("a")).contains("1"));
            values.put("a", "2");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(poll.latest("a")).contains("2"));
            first.close();
            first.close(); // twice counts once
            assertThat(poll.watchedKeys()).isOne();
            second.close();
            assertThat(poll.watchedKeys()).isZero();
            assertThat(poll.latest("a")).isEmpty();
            int fetched = fetches.size();
            Thread.sleep(350);
            assertThat(fetches).hasSize(fetched); // nothing watched: no fetch
        }
    }

    @Test
    void aFailedFetchIsRetriedByTheNextPoll() {
        values.put("a", "1");
        boolean[] fail = {true};
        try (SharedPoll<String, String> poll = new SharedPoll<>(keys -> {
            if (fail[0]) {
                fail[0] = false;
                throw new IllegalStateException("database away");
            }
            return fetch(keys);
        }, Duration.ofMillis(100), "test")) {
            AssertSubscriber<String> s = poll.watch("a").subscribe().withSubscriber(AssertSubscriber.create(10));
            s.awaitItems(1, Duration.ofSeconds(5)).assertItems("1");
            s.assertNotTerminated();
            s.cancel();
        }
    }
}
