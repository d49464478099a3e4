package org.mmapmtl.evalservice.results;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.events.EventCodecs;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint waiting for (or past) evaluation; (runId, epoch) is its natural key. An eval instance claims a pending
 * one with a lease, scores it, and marks it done or failed; the evaluation record is sent afterwards (published).
 */
@Entity
@Table(name = "received_checkpoint")
public class ReceivedCheckpoint extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "experiment_id", nullable = false, length = 128)
    public String experimentId;

    @Column(name = "run_id", nullable = false, length = 128)
    public String runId;

    @Column(nullable = false)
    public int epoch;

    @Column(nullable = false, length = 64)
    public String method;

    @Column(nullable = false)
    public long seed;

    @Column(name = "final_epoch", nullable = false)
    public boolean finalEpoch;

    @Column(nullable = false, columnDefinition = "text")
    public String uri;

    @Column(nullable = false, length = 64)
    public String sha256;

    @Column(name = "trainable_params", nullable = false)
    public long trainableParams;

    @Column(nullable = false, columnDefinition = "text")
    public String payload;

    @Column(name = "received_at", nullable = false)
    public Instant receivedAt;

    /** the method as the experiment named it (mmap-random, ...); the method for 1.0 records */
    @Column(length = 64)
    public String variant;

    @Column(length = 16)
    public String stage;

    @Column(nullable = false, length = 16)
    public String status = PENDING;

    @Column(columnDefinition = "text")
    public String error;

    @Column(length = 160)
    public String owner;

    @Column(name = "lease_until")
    public Instant leaseUntil;

    @Column(nullable = false)
    public int attempts;

    @Column(name = "evaluated_at")
    public Instant evaluatedAt;

    @Column(name = "published_at")
    public Instant publishedAt;

    public static final String PENDING = "pending";
    public static final String EVALUATING = "evaluating";
    public static final String DONE = "done";
    public static final String FAILED = "failed";

    static ReceivedCheckpoint of(Checkpoint c) {
        ReceivedCheckpoint r = new ReceivedCheckpoint();
        r.experimentId = c.experimentId();
        r.runId = c.runId();
        r.epoch = c.epoch();
        r.method = c.method();
        r.seed = c.seed();
        r.finalEpoch = c.finalEpoch();
        r.uri = c.uri();
        r.sha256 = c.sha256();
        r.trainableParams = c.trainableParams();
        r.variant = c.runSpec() != null ? c.runSpec().variant() : c.method();
        r.stage = c.runSpec() != null ? c.runSpec().stage() : null;
        r.payload = new String(EventCodecs.CHECKPOINT.encode(c), StandardCharsets.UTF_8);
        r.receivedAt = Instant.now();
        return r;
    }

    public Checkpoint checkpoint() {
        return EventCodecs.CHECKPOINT.decode(payload.getBytes(StandardCharsets.UTF_8));
    }

    static boolean exists(String runId, int epoch) {
        return count("runId = ?1 and epoch = ?2", runId, epoch) > 0;
    }

    /**
     * Each run's newest checkpoint (its final epoch once trained), ordered by method, seed and run: all that the
     * results table needs, one row per run however many epochs the runs have.
     */
    public static List<ReceivedCheckpoint> newestPerRun(String experimentId) {
        return list("from ReceivedCheckpoint c where c.experimentId = ?1 and c.epoch = (select max(d.epoch) "
                + "from ReceivedCheckpoint d where d.runId = c.runId) order by c.method, c.seed, c.runId", experimentId);
    }

    /** A page of the experiment's checkpoints, ordered by method, seed, run and epoch. */
    public static List<ReceivedCheckpoint> pageOf(String experimentId, int offset, int limit) {
        return ReceivedCheckpoint.<ReceivedCheckpoint>find("experimentId = ?1 order by method, seed, runId, epoch",
                experimentId).range(offset, offset + limit - 1).list();
    }

    /** How many of the experiment's checkpoints are in each status. */
    public static Map<String, Long> countByStatus(String experimentId) {
        Map<String, Long> out = new java.util.TreeMap<>();
        for (Object[] row : getEntityManager().createQuery("select c.status, count(c) from ReceivedCheckpoint c "
                + "where c.experimentId = ?1 group by c.status", Object[].class).setParameter(1, experimentId).getResultList()) {
            out.put((String) row[0], (Long) row[1]);
        }
        return out;
    }

    /** A run's checkpoints, first epoch first. */
    public static List<ReceivedCheckpoint> epochsOf(String experimentId, String runId) {
        return list("experimentId = ?1 and runId = ?2 order by epoch", experimentId, runId);
    }

    /** Every experiment with a checkpoint here, the one with the latest checkpoint first. */
    public static List<String> experimentsNewestFirst() {
        return getEntityManager().createQuery("select c.experimentId from ReceivedCheckpoint c group by c.experimentId"
                + " order by max(c.receivedAt) desc, c.experimentId", String.class).getResultList();
    }

    /** Up to {@code count} of an experiment's checkpoints from {@code from}, in the order they were received. */
    public static List<ReceivedCheckpoint> someOf(String experimentId, int from, int count) {
        return ReceivedCheckpoint.<ReceivedCheckpoint>find("experimentId = ?1 order by id", experimentId)
                .range(from, from + count - 1).list();
    }

    public static List<ReceivedCheckpoint> withUri(String uri) {
        return list("uri", uri);
    }

    public static List<ReceivedCheckpoint> ofRunEpoch(String runId, int epoch) {
        return list("runId = ?1 and epoch = ?2", runId, epoch);
    }

    /** A run's checkpoints, its final one first, then the newest. */
    public static List<ReceivedCheckpoint> ofRunNewestFirst(String runId) {
        return list("runId = ?1 order by finalEpoch desc, epoch desc", runId);
    }
}
