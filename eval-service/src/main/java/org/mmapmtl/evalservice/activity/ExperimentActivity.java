package org.mmapmtl.evalservice.activity;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

/**
 * When the eval service last heard of an experiment: its newest progress report or checkpoint. The intakes move it
 * forward as they store (never back: records arrive out of order across topics), so the most recently active
 * experiments are a page of an index.
 */
@Entity
@Table(name = "experiment_activity")
public class ExperimentActivity extends PanacheEntityBase {
    @Id
    @Column(name = "experiment_id")
    public String experimentId;

    @Column(name = "last_at", nullable = false)
    public Instant lastAt;

    /** When {@link org.mmapmtl.evalservice.dashboard.ProgressRetention} last thinned its reports; null: never. */
    @Column(name = "progress_thinned_at")
    public Instant progressThinnedAt;

    /** Records activity of the experiment at {@code at}, in the caller's transaction. */
    public static void touch(String experimentId, Instant at) {
        getEntityManager().createNativeQuery("""
                        insert into {h-schema}experiment_activity (experiment_id, last_at) values (?1, ?2)
                        on conflict (experiment_id) do update
                            set last_at = greatest({h-schema}experiment_activity.last_at, excluded.last_at)""")
                .setParameter(1, experimentId).setParameter(2, Timestamp.from(at)).executeUpdate();
    }

    /** Experiments quiet since before {@code cutoff} whose reports were not thinned after their last activity. */
    public static List<ExperimentActivity> toThin(Instant cutoff, int limit) {
        // locked and skipped by a concurrent pass (several eval replicas), which takes other experiments
        return find("lastAt < ?1 and (progressThinnedAt is null or progressThinnedAt < lastAt) order by lastAt", cutoff)
                .withLock(jakarta.persistence.LockModeType.PESSIMISTIC_WRITE)
                .withHint("jakarta.persistence.lock.timeout", -2)
                .page(0, limit).list();
    }

    /** A page of the experiments, the most recently active first (ties by id). */
    public static List<ExperimentActivity> recent(int offset, int limit) {
        return find("order by lastAt desc, experimentId").range(offset, offset + limit - 1).list();
    }
}
