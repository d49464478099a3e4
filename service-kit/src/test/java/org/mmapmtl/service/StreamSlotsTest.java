package org.mmapmtl.service;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamSlotsTest {
    @Test
    void aStreamHoldsItsSlotUntilItEndsOrItsClientLeaves() {
        StreamSlots slots = new StreamSlots(2, Duration.ofHours(1), "mmap.sse.max-streams");
        AssertSubscriber<Object> first = slots.open(() -> Multi.createFrom().nothing()).subscribe()
                .withSubscriber(AssertSubscriber.create(1));
        AssertSubscriber<Integer> second = slots.open(() -> Multi.createFrom().emitter(e -> { })).map(x -> (Integer) x)
                .subscribe().withSubscriber(AssertSubscriber.create(1));
        assertThat(slots.inUse()).isEqualTo(2);

        assertThatThrownBy(() -> slots.open(() -> Multi.createFrom().item(1)))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.problem().status()).isEqualTo(503);
                    assertThat(e.problem().detail()).contains("mmap.sse.max-streams");
                });
        assertThat(slots.inUse()).as("a refused stream takes no slot").isEqualTo(2);

        first.cancel(); // the client went away
        assertThat(slots.inUse()).isEqualTo(1);
        slots.open(() -> Multi.createFrom().items(1, 2)).subscribe().withSubscriber(AssertSubscriber.create(5))
                .assertCompleted();
        assertThat(slots.inUse()).as("a completed stream gives its slot back").isEqualTo(1);
        slots.open(() -> Multi.createFrom().failure(new IllegalStateException("boom"))).subscribe()
                .withSubscriber(AssertSubscriber.create(1)).assertFailedWith(IllegalStateException.class, "boom");
        assertThat(slots.inUse()).as("so does a failed one").isEqualTo(1);
        second.cancel();
        assertThat(slots.inUse()).isZero();
    }

    @Test
    void aStreamEndsAtItsLifetimeAndGivesItsSlotBack() {
        StreamSlots slots = new StreamSlots(1, Duration.ofMillis(300), "mmap.sse.max-streams");
        AssertSubscriber<Long> ticking = slots.open(() -> Multi.createFrom().ticks().every(Duration.ofMillis(20)))
                .subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        assertThat(slots.inUse()).isEqualTo(1);
        ticking.awaitCompletion(Duration.ofSeconds(5));
        assertThat(ticking.getItems()).as("it ticked until its lifetime").hasSizeGreaterThan(3);
        assertThat(slots.inUse()).isZero();
        assertThatThrownBy(() -> new StreamSlots(1, Duration.ZERO, "x")).isInstanceOf(IllegalArgumentException.class);
    }
}
