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

    @Column(name = "epoch_loss")
    public Double epochLoss;

    /** How many tasks {@link #loss} sums; null when the report named no task losses. */
    public Integer tasks;

    @Column(name = "learning_rate")
    public Double learningRate;

    @Column(name = "images_per_second")
    public Double imagesPerSecond;

    @Column(name = "eta_millis")
    public Long etaMillis;

    public String message;

    @Column(name = "reported_at")
    public Instant reportedAt;

    @Column(name = "grad_norm")
    public Double gradNorm;

    @Column(name = "grad_clipped")
    public Boolean gradClipped;

    @Column(name = "epoch_clipped_share")
    public Double epochClippedShare;

    /** Stores the report unless the same one was stored before (records are read again after a rebalance or replay). */
    static void store(Progress p) {
        getEntityManager().createNativeQuery("""
                        insert into {h-schema}run_progress (experiment_id, run_id, variant, phase, state, step, total_steps, epoch,
                            epochs, loss, learning_rate, images_per_second, eta_millis, message, reported_at, epoch_loss, tasks,
                            grad_norm, grad_clipped, epoch_clipped_share)
                        values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
                        on conflict do nothing""")
                .setParameter(1, p.experimentId()).setParameter(2, p.runId()).setParameter(3, p.variant())
                .setParameter(4, p.phase()).setParameter(5, p.state()).setParameter(6, p.step())
                .setParameter(7, p.totalSteps()).setParameter(8, p.epoch()).setParameter(9, p.epochs())
                .setParameter(10, p.loss()).setParameter(11, p.learningRate()).setParameter(12, p.imagesPerSecond())
                .setParameter(13, p.etaMillis()).setParameter(14, p.message())
                .setParameter(15, Timestamp.from(p.at() == null ? Instant.now() : p.at()))
                .setParameter(16, p.epochLoss())
                .setParameter(17, p.taskLosses() == null || p.taskLosses().isEmpty() ? null : p.taskLosses().size())
                .setParameter(18, p.gradNorm()).setParameter(19, p.gradClipped())
                .setParameter(20, p.epochClippedShare())
                .executeUpdate();
    }

    /**
     * What the states of an experiment and its runs need, in the order received: each run's first and newest report,
     * its newest report with a loss, and the experiment's own first and newest report. A long run sends thousands of reports; the board
     * reads a few rows per run instead.
     */
    static List<RunProgress> newestOfExperiment(String experimentId) {
        // each run's first report too: the runs keep the order in which they first reported
        return list("experimentId = ?1 and (id in (select max(q.id) from RunProgress q where q.experimentId = ?1"
                + " group by q.runId) or id in (select max(q.id) from RunProgress q where q.experimentId = ?1"
                + " and q.loss is not null group by q.runId) or id in (select min(q.id) from RunProgress q"
                + " where q.experimentId = ?1 group by q.runId)) order by id", experimentId);
    }

    /** One point of a run's loss curve. */
    record CurveRow(String runId, String variant, long step, int epoch, double loss, Double epochLoss, Integer tasks,
                    Double gradNorm, Boolean gradClipped, Double epochClippedShare) {
    }

    /**
     * The loss curves of an experiment's runs, thinned by the database: a run's steps fall into {@code buckets}
     * equal ranges, and the first report of each range is kept, with the run's last step. The reports of a step a
     * resumed run trained again come after the first ones, so the first report of a step is the one kept.
     */
    static List<CurveRow> curves(String experimentId, int buckets) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = getEntityManager().createNativeQuery("""
                        select run_id, variant, step, epoch, loss, epoch_loss, tasks, grad_norm, grad_clipped, epoch_clipped_share from (
                            select run_id, variant, step, epoch, loss, epoch_loss, tasks, grad_norm, grad_clipped, epoch_clipped_share, id,
                                step = last_step as last,
                                row_number() over (partition by run_id, floor(step * ?2 / (last_step + 1.0))
                                                   order by step, id) as nth
                            from (select run_id, variant, step, epoch, loss, epoch_loss, tasks, grad_norm, grad_clipped, epoch_clipped_share, id,
                                      max(step) over (partition by run_id) as last_step
                                  from {h-schema}run_progress
                                  where experiment_id = ?1 and run_id is not null and loss is not null
                                      and loss not in (cast('NaN' as double precision),
                                          cast('Infinity' as double precision), cast('-Infinity' as double precision))
                                 ) reports
                        ) ranked where nth = 1 or last order by run_id, step, id""")
                .setParameter(1, experimentId).setParameter(2, buckets).getResultList();
        return rows.stream().map(r -> new CurveRow((String) r[0], (String) r[1], ((Number) r[2]).longValue(),
                ((Number) r[3]).intValue(), ((Number) r[4]).doubleValue(), doubleOrNull(r[5]),
                r[6] == null ? null : ((Number) r[6]).intValue(), doubleOrNull(r[7]), (Boolean) r[8],
                doubleOrNull(r[9]))).toList();
    }

    /** A nullable numeric column as the database driver returns it. */
    private static Double doubleOrNull(Object column) {
        return column == null ? null : ((Number) column).doubleValue();
    }
}
