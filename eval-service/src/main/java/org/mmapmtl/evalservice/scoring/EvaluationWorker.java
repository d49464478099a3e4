package org.mmapmtl.evalservice.scoring;

import org.mmapmtl.evalservice.results.TaskScore;
import ai.djl.Device;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;
import org.mmapmtl.eval.CheckpointScorer;
import org.mmapmtl.eval.ClassificationMetrics;
import org.mmapmtl.eval.UnevaluableCheckpointException;
import org.mmapmtl.evalservice.results.ReceivedCheckpoint;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.service.DatabaseUnavailable;
import org.mmapmtl.service.LeaseKeeper;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * This instance's evaluation thread: claims a received checkpoint (FOR UPDATE SKIP LOCKED, with a lease), scores it
 * with the DJL core, stores the per-task scores and marks it done, all off the Kafka handler. A checkpoint that
 * cannot be evaluated (file missing or changed, other base weights, split not rebuildable) is marked failed with the
 * reason and its record goes to mmap.checkpoints.dlq; it is never retried.
 */
@ApplicationScoped
public class EvaluationWorker {
    private static final Logger LOG = Logger.getLogger(EvaluationWorker.class);
    /** a checkpoint that crashed its evaluator this often is failed rather than claimed again */
    static final int MAX_ATTEMPTS = 3;

    @Inject
    EvalSettings settings;

    @ConfigProperty(name = "mmap.device", defaultValue = "cpu")
    String device;

    @ConfigProperty(name = "mmap.cache-dir", defaultValue = ".mmap/cache")
    String cacheDir;

    @Inject
    EntityManager em;

    @Inject
    EvaluationPublisher publisher;

    @Inject
    @Channel("unevaluable")
    MutinyEmitter<byte[]> deadLetters;

    private final String owner = "eval/" + ManagementFactory.getRuntimeMXBean().getPid() + "/"
            + UUID.randomUUID().toString().substring(0, 8);
    private final AtomicBoolean stopping = new AtomicBoolean();
    private Thread thread;

    void start(@Observes StartupEvent event) {
        if (!settings.enabled()) {
            LOG.info("evaluation disabled (mmap.eval.enabled=false): this instance records checkpoints and serves results");
            return;
        }
        Device d = device();
        thread = new Thread(() -> loop(d), "evaluation-worker");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        stopping.set(true); // the checkpoint being scored is finished first (or handed back), never failed for it
        if (thread != null) {
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        leases.close();
    }

    private void loop(Device d) {
        try (CheckpointScorer scorer = new CheckpointScorer(d, settings.decodeThreads(), settings.batchSize(),
                Path.of(cacheDir).toAbsolutePath())) {
            while (!stopping.get()) {
                try {
                    Long claimed = claim();
                    if (claimed == null) {
                        Thread.sleep(settings.poll().toMillis());
                        continue;
                    }
                    evaluate(scorer, claimed);
                    publisher.publishPending();
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.error("evaluation loop: " + e.getMessage(), e);
                }
            }
        }
    }

    /** The oldest pending checkpoint, or one whose evaluator's lease lapsed; null when there is none. */
    Long claim() {
        return QuarkusTransaction.requiringNew().call(() -> {
            @SuppressWarnings("unchecked")
            List<Number> ids = em.createNativeQuery("""
                    select id from eval.received_checkpoint
                    where status = 'pending' or (status = 'evaluating' and lease_until < now())
                    order by received_at, id
                    limit 1
                    for update skip locked""").getResultList();
            if (ids.isEmpty()) {
                return null;
            }
            ReceivedCheckpoint c = ReceivedCheckpoint.findById(ids.get(0).longValue());
            c.status = ReceivedCheckpoint.EVALUATING;
            c.owner = owner;
            c.leaseUntil = Instant.now().plus(settings.lease());
            c.attempts++;
            return c.id;
        });
    }

    private final LeaseKeeper leases = new LeaseKeeper("evaluation-lease");

    /** Renews this instance's lease on a checkpoint while it is scored, so no other instance takes it over. */
    private boolean renew(long id) {
        return QuarkusTransaction.requiringNew().call(() -> ReceivedCheckpoint.update(
                "leaseUntil = ?1 where id = ?2 and owner = ?3 and status = ?4", Instant.now().plus(settings.lease()), id,
                owner, ReceivedCheckpoint.EVALUATING) == 1);
    }

    private void evaluate(CheckpointScorer scorer, long id) {
        // a lost lease needs nothing here: the result is stored only by the lease holder
        try (LeaseKeeper.Renewal renewal = leases.keep("checkpoint " + id, settings.lease(), () -> renew(id), () -> { })) {
            evaluateLeased(scorer, id);
        }
    }

    private void evaluateLeased(CheckpointScorer scorer, long id) {
        ReceivedCheckpoint row = QuarkusTransaction.requiringNew().call(() -> ReceivedCheckpoint.findById(id));
        Checkpoint record = row.checkpoint();
        if (row.attempts > MAX_ATTEMPTS) {
            fail(row, record, "evaluation was started " + MAX_ATTEMPTS + " times without finishing (the evaluator died "
                    + "each time); not tried again");
            return;
        }
        long began = System.nanoTime();
        try {
            Map<String, ClassificationMetrics> scores = scorer.score(record);
            long images = scores.values().stream().mapToLong(ClassificationMetrics::total).sum();
            QuarkusTransaction.requiringNew().run(() -> {
                ReceivedCheckpoint c = ReceivedCheckpoint.findById(id);
                if (!owner.equals(c.owner)) {
                    return; // another instance took it over; its result counts
                }
                TaskScore.delete("checkpointId", id);
                scores.forEach((task, m) -> TaskScore.of(id, task, m).persist());
                c.status = ReceivedCheckpoint.DONE;
                c.error = null;
                c.evaluatedAt = Instant.now();
                c.leaseUntil = null;
            });
            LOG.infof("evaluated %s epoch %d: mean accuracy %.4f over %d images in %.1f s", record.runId(), record.epoch(),
                    scores.values().stream().mapToDouble(ClassificationMetrics::accuracy).average().orElse(0), images,
                    (System.nanoTime() - began) / 1e9);
        } catch (UnevaluableCheckpointException e) {
            fail(row, record, e.getMessage());
        } catch (RuntimeException e) {
            if (stopping.get()) {
                release(id); // stopped mid-way: the next evaluator starts it again
                return;
            }
            String database = DatabaseUnavailable.describe(e);
            if (database != null) {
                // the scores are good and the database is away (a restart): the checkpoint is scored again, not failed
                LOG.warnf("scores of %s epoch %d not stored (%s); it is evaluated again", record.runId(), record.epoch(),
                        database);
                try {
                    release(id);
                } catch (RuntimeException stillAway) {
                    LOG.debugf("checkpoint %d not handed back (%s); its lease lapses instead", id, stillAway.getMessage());
                }
                return;
            }
            fail(row, record, "evaluation failed: " + e);
            LOG.error("evaluating " + record.runId() + " epoch " + record.epoch(), e);
        }
    }

    private void release(long id) {
        QuarkusTransaction.requiringNew().run(() -> ReceivedCheckpoint.update(
                "status = ?1, owner = null, leaseUntil = null where id = ?2 and owner = ?3", ReceivedCheckpoint.PENDING,
                id, owner));
    }

    /** Marks the checkpoint failed with the reason and sends its record to the dead-letter topic. */
    private void fail(ReceivedCheckpoint row, Checkpoint record, String reason) {
        LOG.warnf("checkpoint %s epoch %d not evaluated: %s", record.runId(), record.epoch(), reason);
        boolean ours = QuarkusTransaction.requiringNew().call(() -> {
            ReceivedCheckpoint c = ReceivedCheckpoint.findById(row.id);
            if (!owner.equals(c.owner)) {
                return false; // another instance took it over; its verdict counts
            }
            c.status = ReceivedCheckpoint.FAILED;
            c.error = reason;
            c.leaseUntil = null;
            return true;
        });
        if (!ours) {
            return;
        }
        RecordHeaders headers = new RecordHeaders();
        headers.add("dead-letter-reason", reason.getBytes(StandardCharsets.UTF_8));
        headers.add("dead-letter-cause", "evaluation".getBytes(StandardCharsets.UTF_8));
        Message<byte[]> message = Message.of(row.payload.getBytes(StandardCharsets.UTF_8)).addMetadata(
                OutgoingKafkaRecordMetadata.<String>builder().withKey(record.experimentId()).withHeaders(headers).build());
        try {
            deadLetters.sendMessage(message).await().atMost(Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            LOG.warnf("dead letter for %s epoch %d not sent: %s", record.runId(), record.epoch(), e.getMessage());
        }
    }

    private Device device() {
        return org.mmapmtl.train.Devices.named(device);
    }
}
