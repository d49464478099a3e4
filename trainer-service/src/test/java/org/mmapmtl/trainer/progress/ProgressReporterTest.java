package org.mmapmtl.trainer.progress;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.EventTopic;
import org.mmapmtl.events.Progress;
import org.mmapmtl.testing.InjectTopicProbe;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.testing.StackFaults;
import org.mmapmtl.testing.TopicProbe;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A run reports progress from its training thread, outside any transaction: while the database is away (a restart in
 * the middle of a run) the report loses its log entry, but it neither fails the run that made it nor stops reaching
 * mmap.progress. Found by the fault-injection suite: a run failed with "Could not commit transaction" when PostgreSQL
 * restarted as it announced a checkpoint.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class ProgressReporterTest {
    @Inject
    ProgressReporter reporter;

    @InjectTopicProbe
    TopicProbe kafka;

    @Test
    void aReportWhileTheDatabaseIsAwayIsSentButNotLoggedAndDoesNotThrow() throws Exception {
        String experiment = "progress-outage";
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        StackFaults.whilePostgresDown(Duration.ofSeconds(60), () -> {
            try {
                reporter.report(Progress.lifecycle(experiment, experiment + ".r1", "mmap", "phase-2", "running",
                        "checkpoint epoch-1.safetensors (epoch 1)", Instant.now()));
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, () -> true);
        assertThat(thrown.get()).as("a report while the database is away").isNull();

        reporter.report(Progress.lifecycle(experiment, experiment + ".r1", "mmap", "phase-2", "running", "back",
                Instant.now()));
        var sent = kafka.readUntil(EventTopic.PROGRESS.topicName(), rs -> rs.stream()
                .filter(r -> experiment.equals(r.key())).count() >= 2, Duration.ofSeconds(30));
        assertThat(sent.stream().filter(r -> experiment.equals(r.key()))
                .map(r -> EventCodecs.PROGRESS.decode(r.value()).message()))
                .as("both reports reach mmap.progress").contains("checkpoint epoch-1.safetensors (epoch 1)", "back");
        long logged = QuarkusTransaction.requiringNew().call(() -> ProgressEntry.count("experimentId", experiment));
        assertThat(logged).as("only the report made with the database up is in the progress log").isEqualTo(1);
    }
}
