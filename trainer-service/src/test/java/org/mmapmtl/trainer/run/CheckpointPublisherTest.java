package org.mmapmtl.trainer.run;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.testing.StackFaults;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The training thread runs an outbox round right after it records a checkpoint. With the database away (a restart at
 * the end of an epoch) that round must leave the rows to the next one rather than throw into the run: the fault suite
 * saw a run fail with "Could not commit transaction" there.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class CheckpointPublisherTest {
    @Inject
    CheckpointPublisher publisher;

    @Test
    void anOutboxRoundWhileTheDatabaseIsAwayDoesNotThrow() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        StackFaults.whilePostgresDown(Duration.ofSeconds(60), () -> {
            try {
                publisher.publishPending();
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, () -> true);
        assertThat(thrown.get()).as("an outbox round while the database is away").isNull();
        publisher.publishPending(); // and the next round, with the database back, runs as ever
    }
}
