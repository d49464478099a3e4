package org.mmapmtl.evalservice.dashboard;

import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.mmapmtl.evalservice.activity.ExperimentActivity;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Keeps the progress reports from growing without bound: once an experiment has been quiet for
 * {@code mmap.progress-retention.after}, each of its runs keeps at most about {@code keep-per-run} step reports,
 * evenly spread over its steps, plus the last report of every epoch (it carries the epoch's mean loss) and every
 * report that is not a plain running step (queued, done, failed, cancelled). Loss curves keep their shape and the
 * dashboard still tells how each run ended; a trainer reporting every second no longer adds 1.3 KiB a second forever.
 */
@ApplicationScoped
public class ProgressRetention {
    private static final Logger LOG = Logger.getLogger(ProgressRetention.class);
    /** Experiments thinned per pass, so that one pass holds the database briefly. */
    static final int BATCH = 50;

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

    /** Thins the reports of up to {@link #BATCH} experiments quiet since before {@code now - after}; how many reports went. */
    @Transactional
    public int thin(Instant now) {
        if (keepPerRun < 2) {
            throw new IllegalStateException("mmap.progress-retention.keep-per-run must be at least 2, not " + keepPerRun);
        }
        List<ExperimentActivity> quiet = ExperimentActivity.toThin(now.minus(after), BATCH);
        int deleted = 0;
        for (ExperimentActivity experiment : quiet) {
            // an epoch's last report always stays; the others are numbered apart from them, so that a run thinned
            // once is within the limit and a second pass deletes nothing
            deleted += Panache.getEntityManager().createNativeQuery("""
                            delete from {h-schema}run_progress where id in (
                                select id from (
                                    select id, row_number() over (partition by run_id order by step, reported_at, id) as n,
                                           count(*) over (partition by run_id) as total
                                    from (
                                        select id, run_id, step, reported_at,
                                               row_number() over (partition by run_id, epoch
                                                                  order by step desc, reported_at desc, id desc) as from_epoch_end
                                        from {h-schema}run_progress
                                        where experiment_id = ?1 and run_id is not null and state = 'running'
                                    ) steps
                                    where from_epoch_end > 1
                                ) r
                                where r.total > ?2 and mod(r.n - 1, ceil(r.total / cast(?2 as numeric))) <> 0)""")
                    .setParameter(1, experiment.experimentId).setParameter(2, keepPerRun).executeUpdate();
            experiment.progressThinnedAt = now;
        }
        if (deleted > 0) {
            LOG.infof("progress retention: %d step reports of %d experiment(s) quiet for %s thinned", deleted,
                    quiet.size(), after);
        }
        return deleted;
    }
}
