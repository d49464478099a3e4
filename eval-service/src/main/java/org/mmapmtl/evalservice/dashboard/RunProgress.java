package org.mmapmtl.evalservice.dashboard;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.mmapmtl.events.Progress;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

/** One mmap.progress record as received: a run's lifecycle change or step report, or an experiment's phase change. */
@Entity
@Table(name = "run_progress")
public class RunProgress extends PanacheEntityBase {
    @Id
    public Long id;

    @Column(name = "experiment_id")
    public String experimentId;

    @Column(name = "run_id")
    public String runId;

    public String variant;
    public String phase;
    public String state;
    public long step;

    @Column(name = "total_steps")
    public long totalSteps;

    public int epoch;
    public int epochs;
    public Double loss;

    @Column(name = "learning_rate")
    public Double learningRate;

    @Column(name = "images_per_second")
    public Double imagesPerSecond;

    @Column(name = "eta_millis")
    public Long etaMillis;

    public String message;

    @Column(name = "reported_at")
    public Instant reportedAt;

    /** Stores the report unless the same one was stored before (records are read again after a rebalance or replay). */
    static void store(Progress p) {
        getEntityManager().createNativeQuery("""
                        insert into {h-schema}run_progress (experiment_id, run_id, variant, phase, state, step, total_steps, epoch,
                            epochs, loss, learning_rate, images_per_second, eta_millis, message, reported_at)
                        values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
                        on conflict do nothing""")
                .setParameter(1, p.experimentId()).setParameter(2, p.runId()).setParameter(3, p.variant())
                .setParameter(4, p.phase()).setParameter(5, p.state()).setParameter(6, p.step())
                .setParameter(7, p.totalSteps()).setParameter(8, p.epoch()).setParameter(9, p.epochs())
                .setParameter(10, p.loss()).setParameter(11, p.learningRate()).setParameter(12, p.imagesPerSecond())
                .setParameter(13, p.etaMillis()).setParameter(14, p.message())
                .setParameter(15, Timestamp.from(p.at() == null ? Instant.now() : p.at()))
                .executeUpdate();
    }

    static List<RunProgress> ofExperiment(String experimentId) {
        return list("experimentId = ?1 order by id", experimentId);
    }

    static long newestId(String experimentId) {
        Long id = find("select max(p.id) from RunProgress p where p.experimentId = ?1", experimentId)
                .project(Long.class).firstResult();
        return id == null ? 0 : id;
    }
}
