package org.mmapmtl.evalservice.scoring;

import org.mmapmtl.evalservice.results.TaskScore;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.mmapmtl.evalservice.results.ReceivedCheckpoint;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.Evaluation;
import org.mmapmtl.service.OutboxRelay;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Sends the evaluation of every scored checkpoint to mmap.evaluations, in the order they were scored (see
 * {@link OutboxRelay}: the scored row is the outbox).
 */
@ApplicationScoped
public class EvaluationPublisher extends OutboxRelay {
    @Inject
    @Channel("evaluations")
    MutinyEmitter<byte[]> evaluations;

    public EvaluationPublisher() {
        super("evaluations", Duration.ofSeconds(30));
    }

    @Scheduled(every = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    public void publishPending() {
        relay();
    }

    @Override
    protected Optional<Outgoing> lockNext() {
        return lockFirst(ReceivedCheckpoint.<ReceivedCheckpoint>find(
                        "status = ?1 and publishedAt is null order by evaluatedAt", ReceivedCheckpoint.DONE))
                .map(row -> new Outgoing(row.experimentId, EventCodecs.EVALUATION.encode(evaluationOf(row, TaskScore.of(row.id))),
                        "evaluation of " + row.runId + " epoch " + row.epoch, () -> row.publishedAt = Instant.now()));
    }

    @Override
    protected MutinyEmitter<byte[]> emitter() {
        return evaluations;
    }

    /** The mmap.evaluations record of a scored checkpoint. */
    private static Evaluation evaluationOf(ReceivedCheckpoint c, List<TaskScore> scores) {
        Map<String, Evaluation.TaskScore> tasks = new java.util.LinkedHashMap<>();
        Checkpoint record = c.checkpoint();
        for (String t : record.tasks()) {
            scores.stream().filter(s -> s.task.equals(t)).findFirst()
                    .ifPresent(s -> tasks.put(t, Evaluation.TaskScore.of(s.correct, s.total)));
        }
        return Evaluation.of(c.experimentId, c.runId, c.uri, tasks);
    }
}
