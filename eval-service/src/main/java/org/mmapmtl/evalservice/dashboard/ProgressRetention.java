package org.mmapmtl.evalservice.dashboard;

import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.mmapmtl.evalservice.activity.ExperimentActivity;
import org.mmapmtl.service.StepThinning;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Keeps the progress reports from growing without bound: once an experiment has been quiet for
 * {@code mmap.progress-retention.after}, its runs' step reports are thinned by {@link StepThinning}'s rule (about
 * {@code keep-per-run} per run, evenly spread, each epoch's last and every state change kept). Loss curves keep their shape and the
 * dashboard still tells how each run ended; a trainer reporting every second no longer adds 1.3 KiB a second forever.
 */
@ApplicationScoped
public class ProgressRetention {
    private static final Logger LOG = Logger.getLogger(ProgressRetention.class);
    /** Experiments thinned per pass, so that one pass holds the database briefly. */
    static final int BATCH = 50;
    private static final String THIN = StepThinning.delete("{h-schema}run_progress", """
            select id, run_id as run, step, epoch from {h-schema}run_progress
            where experiment_id = ?1 and run_id is not null and state = 'running'""");

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
        StepThinning.checkKeep(keepPerRun);
        List<ExperimentActivity> quiet = ExperimentActivity.toThin(now.minus(after), BATCH);
        int deleted = 0;
        for (ExperimentActivity experiment : quiet) {
            deleted += Panache.getEntityManager().createNativeQuery(THIN)
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
