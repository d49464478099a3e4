package org.mmapmtl.evalservice.scoring;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;
import org.mmapmtl.evalservice.results.ReceivedCheckpoint;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.Evaluation;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Sends the evaluation of every done checkpoint to mmap.evaluations once: the row is locked (SKIP LOCKED, so two
 * instances never send the same one), sent, and marked published when the broker acknowledged it.
 */
@ApplicationScoped
public class EvaluationPublisher {
    private static final Logger LOG = Logger.getLogger(EvaluationPublisher.class);

    @Inject
    @Channel("evaluations")
    MutinyEmitter<byte[]> evaluations;

    @Scheduled(every = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    public synchronized void publishPending() {
        boolean more = true;
        while (more) {
            more = QuarkusTransaction.requiringNew().call(() -> {
                List<ReceivedCheckpoint> next = ReceivedCheckpoint.<ReceivedCheckpoint>find(
                                "status = ?1 and publishedAt is null order by evaluatedAt", ReceivedCheckpoint.DONE)
                        .withLock(LockModeType.PESSIMISTIC_WRITE).withHint("jakarta.persistence.lock.timeout", -2)
                        .page(0, 1).list();
                if (next.isEmpty()) {
                    return false;
                }
                ReceivedCheckpoint c = next.get(0);
                Evaluation e = evaluationOf(c, TaskScore.of(c.id));
                Message<byte[]> message = Message.of(EventCodecs.EVALUATION.encode(e))
                        .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(c.experimentId).build());
                try {
                    // with the transaction suspended: the send's threads must not join it (its commit would fail)
                    QuarkusTransaction.suspendingExisting().run(() ->
                            evaluations.sendMessage(message).await().atMost(Duration.ofSeconds(30)));
                } catch (RuntimeException ex) {
                    LOG.warnf("evaluation of %s epoch %d not sent yet (%s); will retry", c.runId, c.epoch, ex.getMessage());
                    return false;
                }
                c.publishedAt = Instant.now();
                return true;
            });
        }
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
