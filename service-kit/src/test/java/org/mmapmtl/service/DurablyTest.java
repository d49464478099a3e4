package org.mmapmtl.service;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurablyTest {
    private static RuntimeException databaseAway() {
        return new IllegalStateException("JDBC exception", new SQLException("Connection refused", "08001"));
    }

    @Test
    void aTransactionTheDatabaseRefusedIsTriedAgainUntilItCommits() {
        AtomicInteger calls = new AtomicInteger();
        Durably.run("recording", () -> {
            if (calls.incrementAndGet() < 3) {
                throw databaseAway();
            }
        }, 5, 1);
        assertThat(calls).hasValue(3);
    }

    @Test
    void theWorksOwnFailureIsNotRetriedAndTheDatabasesOnlyUpToTheLimit() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> Durably.run("recording", () -> {
            calls.incrementAndGet();
            throw new IllegalStateException("run x was taken over by another trainer");
        }, 5, 1)).hasMessageContaining("taken over");
        assertThat(calls).hasValue(1);

        calls.set(0);
        assertThatThrownBy(() -> Durably.run("recording", () -> {
            calls.incrementAndGet();
            throw databaseAway();
        }, 4, 1)).hasRootCauseMessage("Connection refused");
        assertThat(calls).hasValue(4);
    }
}
