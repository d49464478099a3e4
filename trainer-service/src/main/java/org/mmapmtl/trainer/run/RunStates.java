package org.mmapmtl.trainer.run;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.mmapmtl.events.Progress;
import org.mmapmtl.experiment.RunSpec;
import org.mmapmtl.service.Durably;
import org.mmapmtl.train.RunExecutor;
import org.mmapmtl.train.Trainer;
import org.mmapmtl.trainer.experiment.Experiments;
import org.mmapmtl.trainer.experiment.TrainingRun;
import org.mmapmtl.trainer.progress.ProgressReporter;
import org.jboss.logging.Logger;

import java.time.Instant;

/**
 * A run's state as the rest of the system sees it: its row (the end of a run must land, so those commits are retried
 * while the database is away) and the progress events that the CLI, the dashboard and the eval service follow.
 */
@ApplicationScoped
public class RunStates {
    private static final Logger LOG = Logger.getLogger(RunStates.class);

    @Inject
    ProgressReporter progress;

    @Inject
    Experiments experiments;

    /** Records how a run ended (done, cancelled, failed), if {@code owner} still holds it, and moves its experiment on. */
    void finish(RunSpec run, String owner, String state, String error) {
        Durably.run("recording run " + run.runId() + " as " + state, () -> QuarkusTransaction.requiringNew().run(() -> {
            experiments.locked(run.experimentId());
            TrainingRun r = TrainingRun.findById(run.runId());
            if (!owner.equals(r.owner)) {
                return;
            }
            r.state = state;
            r.error = error;
            r.leaseUntil = null;
            if (TrainingRun.DONE.equals(state)) {
                r.etaMs = 0L;
            }
            r.updatedAt = Instant.now();
            report(run, state, error != null ? error : "run " + state, null);
            experiments.updatePhase(run.experimentId());
        }));
    }

    /** Hands a run that a stopping trainer interrupted back to the queue; the next trainer resumes it. */
    void handBack(RunSpec run, String owner, RunExecutor.Outcome outcome) {
        Durably.run("handing back " + run.runId(), () -> QuarkusTransaction.requiringNew().run(() -> {
            boolean cancelled = experiments.locked(run.experimentId()).cancelRequested;
            TrainingRun.update("state = ?1, owner = null, leaseUntil = null, updatedAt = ?2 where id = ?3 and owner = ?4",
                    cancelled ? TrainingRun.CANCELLED : TrainingRun.QUEUED, Instant.now(), run.runId(), owner);
            if (cancelled) {
                experiments.updatePhase(run.experimentId());
            }
        }));
        String where = "at step " + outcome.stepsDone() + " of " + outcome.totalSteps() + (outcome.resumePoint() != null
                ? " (resume point " + outcome.resumePoint().getFileName() + ")"
                // stopped on an epoch boundary (or before a step): its newest checkpoint, epoch or resume point, holds it
                : " (it resumes from its newest checkpoint)");
        LOG.infof("run %s handed back to the queue %s: this trainer is stopping", run.runId(), where);
        report(run, "queued", "handed back " + where + ": " + owner + " is stopping", null);
    }

    /** How many gradient snapshots of the run Kafka holds, so that a resumed run does not send them again. */
    void snapshotsSent(RunSpec run, int sent, int of) {
        Durably.run("recording snapshot " + sent + " of " + run.runId(), () -> QuarkusTransaction.requiringNew()
                .run(() -> TrainingRun.update("snapshotsSent = ?1 where id = ?2", sent, run.runId())));
        report(run, "running", "gradient snapshot " + sent + "/" + of + " sent", null);
    }

    /** A step reached: the run's row shows it (the REST status) and a progress event carries it (the live views). */
    void stepReached(RunSpec run, Trainer.StepReport r) {
        QuarkusTransaction.requiringNew().run(() -> TrainingRun.update(
                "step = ?1, totalSteps = ?2, epoch = ?3, epochs = ?4, loss = ?5, imagesPerSecond = ?6, etaMs = ?7, "
                        + "updatedAt = ?8 where id = ?9", r.step() + 1, r.totalSteps(), r.epoch() + 1, r.epochs(),
                r.loss(), r.imagesPerSecond(), r.etaMillis(), Instant.now(), run.runId()));
        report(run, "running", null, r);
    }

    /** A progress event: a lifecycle message, or a step's numbers when {@code step} is given. */
    void report(RunSpec run, String state, String message, Trainer.StepReport step) {
        Progress p = step == null
                ? Progress.lifecycle(run.experimentId(), run.runId(), run.variant(), run.stage(), state, message, Instant.now())
                : new Progress(run.experimentId(), run.runId(), run.variant(), run.stage(), state, step.step() + 1,
                step.totalSteps(), step.epoch() + 1, step.epochs(), step.loss(), step.epochLoss(), step.taskLosses(),
                step.uniformLoss(), step.learningRate(), step.gradNorm(), step.gradClipped(), step.epochClippedShare(),
                step.imagesPerSecond(), step.etaMillis(), message, Instant.now());
        progress.report(p);
    }
}
