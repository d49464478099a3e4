package org.mmapmtl.trainer.experiment;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.mmapmtl.experiment.RunSpec;
import org.mmapmtl.experiment.SpecJson;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of an experiment and who trains it. A trainer claims a queued run (or one whose lease ran out) and
 * renews its lease while it trains; a replica that dies stops renewing, and another one resumes the run from its
 * last checkpoint.
 */
@Entity
@Table(name = "training_run")
public class TrainingRun extends PanacheEntityBase {
    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String DONE = "done";
    public static final String FAILED = "failed";
    public static final String CANCELLED = "cancelled";

    @Id
    @Column(length = 160)
    public String id;

    @Column(name = "experiment_id", nullable = false, length = 128)
    public String experimentId;

    @Column(nullable = false)
    public int seq;

    @Column(nullable = false, length = 64)
    public String variant;

    @Column(nullable = false, length = 16)
    public String stage;

    @Column(nullable = false, length = 8)
    public String device;

    @Column(nullable = false, columnDefinition = "text")
    public String spec;

    @Column(nullable = false, length = 16)
    public String state;

    @Column(length = 160)
    public String owner;

    @Column(name = "lease_until")
    public Instant leaseUntil;

    @Column(nullable = false)
    public int attempts;

    @Column(name = "snapshots_sent", nullable = false)
    public int snapshotsSent;

    @Column(nullable = false)
    public long step;

    @Column(name = "total_steps", nullable = false)
    public long totalSteps;

    @Column(nullable = false)
    public int epoch;

    @Column(nullable = false)
    public int epochs;

    public Double loss;

    @Column(name = "images_per_second")
    public Double imagesPerSecond;

    @Column(name = "eta_ms")
    public Long etaMs;

    @Column(columnDefinition = "text")
    public String error;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    public static TrainingRun queued(RunSpec spec, int seq) {
        TrainingRun r = new TrainingRun();
        r.id = spec.runId();
        r.experimentId = spec.experimentId();
        r.seq = seq;
        r.variant = spec.variant();
        r.stage = spec.stage();
        r.device = spec.device();
        r.spec = SpecJson.write(spec);
        r.state = QUEUED;
        r.epochs = spec.trains() ? spec.recipe().epochs() : 0;
        r.createdAt = Instant.now();
        r.updatedAt = r.createdAt;
        return r;
    }

    public RunSpec runSpec() {
        return SpecJson.runSpec(spec);
    }

    public boolean terminal() {
        return DONE.equals(state) || FAILED.equals(state) || CANCELLED.equals(state);
    }

    public static List<TrainingRun> of(String experimentId) {
        return list("experimentId = ?1 order by seq", experimentId);
    }

    /** How many runs an experiment has, and how many of them are done. */
    public record Counts(long runs, long done) {
        public static final Counts NONE = new Counts(0, 0);
    }

    /** The run counts of these experiments, in one query. */
    public static Map<String, Counts> countsOf(List<String> experimentIds) {
        Map<String, Counts> out = new HashMap<>();
        if (experimentIds.isEmpty()) {
            return out;
        }
        getEntityManager().createQuery("select r.experimentId, count(r), sum(case when r.state = :done then 1 else 0 end)"
                        + " from TrainingRun r where r.experimentId in :ids group by r.experimentId", Object[].class)
                .setParameter("done", DONE)
                .setParameter("ids", experimentIds)
                .getResultList()
                .forEach(row -> out.put((String) row[0], new Counts(((Number) row[1]).longValue(), ((Number) row[2]).longValue())));
        return out;
    }
}
