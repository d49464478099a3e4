package org.mmapmtl.trainer.progress;

import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.mmapmtl.service.StepThinning;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Keeps the progress log from growing without bound: once an experiment has ended and
 * {@code mmap.progress-retention.after} has passed, its runs' step reports are thinned by {@link StepThinning}'s rule
 * (about {@code keep-per-run} per run, evenly spread, each epoch's last and every state change kept); experiment-wide
 * reports (phase changes) all stay. A replay of the experiment's events still tells
 * how every run went and ended. The eval service thins its copy of the reports the same way.
 */
@ApplicationScoped
public class ProgressRetention {
    private static final Logger LOG = Logger.getLogger(ProgressRetention.class);
    /** Experiments thinned per pass, so that one pass holds the database briefly. */
    static final int BATCH = 50;
    /** The log keeps each report as its mmap.progress JSON: run, step, epoch and state are read from it. */
    private static final String THIN = StepThinning.delete("{h-schema}progress_log", """
            select id, run, step, epoch from (
                select id, cast(payload as jsonb) ->> 'runId' as run,
                       cast(cast(payload as jsonb) ->> 'step' as bigint) as step,
                       cast(payload as jsonb) ->> 'epoch' as epoch, cast(payload as jsonb) ->> 'state' as state
                from {h-schema}progress_log where experiment_id = ?1) reports
            where run is not null and state = 'running'""");

    @ConfigProperty(name = "mmap.progress-retention.after", defaultValue = "7d")
    Duration after;

    @ConfigProperty(name = "mmap.progress-retention.keep-per-run", defaultValue = "200")
    int keepPerRun;

    @Scheduled(every = "${mmap.progress-retention.every:1h}", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduled() {
        try {
            thin(Instant.now());
        } catch (RuntimeException e) {
            // the next pass tries again; the reports only wait longer to be thinned
            LOG.warnf("progress retention: %s", e.toString());
        }
    }

    /** Thins the logs of up to {@link #BATCH} experiments that ended before {@code now - after}; how many reports went. */
    @Transactional
    public int thin(Instant now) {
        StepThinning.checkKeep(keepPerRun);
        var em = Panache.getEntityManager();
        // trainer replicas run this pass at the same moments: each takes experiments the others have not locked
        @SuppressWarnings("unchecked")
        List<String> ended = em.createNativeQuery("""
                        select id from {h-schema}experiment
                        where phase in ('DONE', 'FAILED', 'CANCELLED') and updated_at < ?1
                          and (progress_thinned_at is null or progress_thinned_at < updated_at)
                        order by updated_at limit ?2
                        for update skip locked""", String.class)
                .setParameter(1, Timestamp.from(now.minus(after))).setParameter(2, BATCH).getResultList();
        int deleted = 0;
        for (String experiment : ended) {
            deleted += em.createNativeQuery(THIN)
                    .setParameter(1, experiment).setParameter(2, keepPerRun).executeUpdate();
            em.createNativeQuery("update {h-schema}experiment set progress_thinned_at = ?1 where id = ?2")
                    .setParameter(1, Timestamp.from(now)).setParameter(2, experiment).executeUpdate();
        }
        if (deleted > 0) {
            LOG.infof("progress retention: %d step reports of %d ended experiment(s) thinned", deleted, ended.size());
        }
        return deleted;
    }
}
