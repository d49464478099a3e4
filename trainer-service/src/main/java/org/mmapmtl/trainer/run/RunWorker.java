package org.mmapmtl.trainer.run;

import org.mmapmtl.trainer.experiment.TrainingRun;
import ai.djl.Device;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.GradientSnapshot;
import org.mmapmtl.events.Progress;
import org.mmapmtl.experiment.RunSpec;
import org.mmapmtl.experiment.SpecJson;
import org.mmapmtl.service.DatabaseUnavailable;
import org.mmapmtl.service.Durably;
import org.mmapmtl.service.LeaseKeeper;
import org.mmapmtl.train.BaseWeights;
import org.mmapmtl.train.CheckpointFile;
import org.mmapmtl.train.RunExecutor;
import org.mmapmtl.train.Trainer;
import org.mmapmtl.trainer.TrainerSettings;
import org.mmapmtl.trainer.experiment.Experiment;
import org.mmapmtl.trainer.experiment.Experiments;
import org.mmapmtl.trainer.progress.ProgressReporter;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * This trainer's one training thread: claims a run, trains it with the DJL core, and goes back for the next.
 * DJL allows one gradient collector per JVM, so a trainer trains one run at a time; more trainers on the same
 * database share the runs. Nothing here runs on a Kafka or HTTP thread.
 */
@ApplicationScoped
public class RunWorker {
    private static final Logger LOG = Logger.getLogger(RunWorker.class);

    @Inject
    TrainerSettings settings;

    @Inject
    RunClaims claims;

    @Inject
    GradientSender sender;

    @Inject
    CheckpointPublisher checkpoints;

    @Inject
    CheckpointRecorder recorder;

    @Inject
    ProgressReporter progress;

    @Inject
    Experiments experiments;

    @Inject
    @org.eclipse.microprofile.health.Readiness
    TrainerReadiness readiness;

    private final String owner = hostName() + "/" + ManagementFactory.getRuntimeMXBean().getPid() + "/"
            + UUID.randomUUID().toString().substring(0, 8);
    private final AtomicBoolean stopping = new AtomicBoolean();
    private Thread thread;
    private LeaseKeeper leases;

    void start(@Observes StartupEvent event) {
        if (!settings.worker().enabled()) {
            LOG.info("training disabled (mmap.trainer.enabled=false): this instance only accepts and serves experiments");
            return;
        }
        device(); // a GPU asked for where there is none stops the service at start, not the first run
        leases = new LeaseKeeper("run-lease");
        thread = new Thread(this::loop, "run-worker");
        thread.setDaemon(true);
        thread.start();
        LOG.infof("trainer %s looking for runs", owner);
    }

    /**
     * The first sign of a shutdown (SIGTERM): readiness goes DOWN, then the worker takes no new run and stops its run
     * after the current step, while HTTP still answers during {@code quarkus.shutdown.delay}.
     */
    void stopTakingWork(@Observes ShutdownDelayInitiatedEvent event) {
        beginStopping();
    }

    void stop(@Observes ShutdownEvent event) {
        beginStopping();
        if (thread != null) {
            try {
                // the run stops after its step, writes its resume point and is handed back; the lease lapses if not
                thread.join(settings.worker().shutdownGrace().toMillis());
                if (thread.isAlive()) {
                    LOG.warnf("the run in progress did not stop within mmap.trainer.shutdown-grace (%s); another trainer "
                            + "takes it over when its lease lapses", settings.worker().shutdownGrace());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (leases != null) {
            leases.close();
        }
    }

    private void beginStopping() {
        readiness.stopping(); // before the flag: nothing routes work here once this instance stops taking it
        if (!stopping.getAndSet(true) && thread != null) {
            LOG.info("stopping: no new runs; the run in progress stops after its current step and is handed back");
        }
    }

    public String owner() {
        return owner;
    }

    private void loop() {
        while (!stopping.get()) {
            try {
                var claimed = claims.claim(owner);
                if (claimed.isEmpty()) {
                    Thread.sleep(settings.worker().poll().toMillis());
                    continue;
                }
                execute(claimed.get());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                String database = DatabaseUnavailable.describe(e);
                if (database != null) {
                    LOG.warnf("trainer loop: the database is away (%s); looking again shortly", database);
                } else {
                    LOG.error("trainer loop: " + e.getMessage(), e);
                }
                sleepQuietly();
            }
        }
    }

    private void execute(String runId) {
        TrainingRun row = QuarkusTransaction.requiringNew().call(() -> {
            TrainingRun r = TrainingRun.findById(runId);
            experiments.updatePhase(r.experimentId);
            return r;
        });
        GradientSnapshot.Grouping grouping = QuarkusTransaction.requiringNew().call(() -> {
            var spec = Experiment.<Experiment>findById(row.experimentId).experimentSpec();
            if (spec == null) {
                return null; // an experiment known only from its partition record: its runs send no snapshots
            }
            var g = spec.grouping();
            return new GradientSnapshot.Grouping(g.objective(), g.k(), g.tau(), g.similarity());
        });
        RunSpec planned = row.runSpec();
        RunSpec spec = planned;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean leaseLost = new AtomicBoolean();
        LeaseKeeper.Renewal renewal = leases.keep("run " + runId, settings.worker().lease(), () -> {
            if (QuarkusTransaction.requiringNew().call(() -> Experiment.<Experiment>findById(row.experimentId).cancelRequested)) {
                stop.set(true); // a user's cancel, seen on the lease's tick
            }
            return claims.renew(runId, owner);
        }, () -> {
            leaseLost.set(true);
            stop.set(true);
        });
        try {
            report(spec, "running", row.attempts > 1 ? "attempt " + row.attempts + " on " + owner : "started on " + owner, null);
            Path artifacts = Path.of(settings.artifactsDir()).toAbsolutePath();
            if (spec.weightsSha256() == null) {
                Path weights = BaseWeights.resolve(spec.weights(), artifacts,
                        message -> report(planned, "running", message, null));
                RunSpec resolved = spec.withWeights(weights.toUri().toString(), CheckpointFile.sha256(weights));
                Durably.run("recording the base weights of " + runId, () -> QuarkusTransaction.requiringNew().run(() -> {
                    TrainingRun r = TrainingRun.findById(runId);
                    r.spec = SpecJson.write(resolved);
                }));
                spec = resolved;
            }
            RunSpec run = spec;
            Path runDir = artifacts.resolve(run.experimentId()).resolve(run.runId());
            recorder.recordExisting(run, runDir, owner);
            RunExecutor.Outcome outcome = RunExecutor.run(run, runDir, device(run), settings.worker().decodeThreads(),
                    new Reports(run, row.snapshotsSent, stop, leaseLost, grouping));
            checkpoints.publishPending();
            if (leaseLost.get()) {
                LOG.warnf("run %s was taken over by another trainer; this one stopped", runId);
                return;
            }
            if (outcome.cancelled() && stopping.get()) {
                release(run, outcome);
                return;
            }
            finish(run, outcome.cancelled() ? TrainingRun.CANCELLED : TrainingRun.DONE, null);
        } catch (RuntimeException | Error e) {
            LOG.errorf(e, "run %s failed", runId);
            if (!leaseLost.get() && !stopping.get()) {
                finish(spec, TrainingRun.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        } finally {
            renewal.close();
        }
    }

    /** Hands a run this trainer stops (shutting down) back to the queue; the next trainer resumes it. */
    private void release(RunSpec run, RunExecutor.Outcome outcome) {
        Durably.run("handing back " + run.runId(), () -> QuarkusTransaction.requiringNew().run(() -> {
            boolean cancelled = experiments.locked(run.experimentId()).cancelRequested;
            TrainingRun.update("state = ?1, owner = null, leaseUntil = null, updatedAt = ?2 where id = ?3 and owner = ?4",
                    cancelled ? TrainingRun.CANCELLED : TrainingRun.QUEUED, Instant.now(), run.runId(), owner);
            if (cancelled) {
                experiments.updatePhase(run.experimentId());
            }
        }));
        String where = outcome.resumePoint() != null
                ? "at step " + outcome.stepsDone() + " of " + outcome.totalSteps() + " (resume point "
                + outcome.resumePoint().getFileName() + ")"
                // stopped on an epoch boundary (or before a step): its newest checkpoint, epoch or resume point, holds it
                : "at step " + outcome.stepsDone() + " of " + outcome.totalSteps() + " (it resumes from its newest checkpoint)";
        LOG.infof("run %s handed back to the queue %s: this trainer is stopping", run.runId(), where);
        report(run, "queued", "handed back " + where + ": " + owner + " is stopping", null);
    }

    private void finish(RunSpec run, String state, String error) {
        // the run's outcome must reach the database: a commit that fails (a lost connection, a conflict) is tried again
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

    private void report(RunSpec run, String state, String message, Trainer.StepReport step) {
        Progress p = step == null
                ? Progress.lifecycle(run.experimentId(), run.runId(), run.variant(), run.stage(), state, message, Instant.now())
                : new Progress(run.experimentId(), run.runId(), run.variant(), run.stage(), state, step.step() + 1,
                step.totalSteps(), step.epoch() + 1, step.epochs(), step.loss(), step.epochLoss(), step.taskLosses(),
                step.learningRate(), step.imagesPerSecond(), step.etaMillis(), message, Instant.now());
        progress.report(p);
    }

    /** What the DJL core reports, turned into records, rows and events. */
    private final class Reports implements RunExecutor.Events {
        private final RunSpec run;
        private final int snapshotsAlreadySent;
        private final AtomicBoolean stop;
        private final AtomicBoolean leaseLost;
        private final GradientSnapshot.Grouping grouping;
        private long lastReport;
        private int sentOfSnapshot;

        Reports(RunSpec run, int snapshotsAlreadySent, AtomicBoolean stop, AtomicBoolean leaseLost,
                GradientSnapshot.Grouping grouping) {
            this.run = run;
            this.grouping = grouping;
            this.snapshotsAlreadySent = snapshotsAlreadySent;
            this.stop = stop;
            this.leaseLost = leaseLost;
        }

        @Override
        public void snapshot(GradientSnapshot snapshot) {
            if (snapshot.snapshot() < snapshotsAlreadySent) {
                return; // sent before the run was resumed
            }
            sender.gradient(new GradientSnapshot(snapshot.experimentId(), snapshot.task(), snapshot.tasks(),
                    snapshot.snapshot(), snapshot.snapshots(), snapshot.step(), snapshot.gradient(), grouping));
            if (++sentOfSnapshot == run.tasks().size()) {
                sentOfSnapshot = 0;
                int sent = snapshot.snapshot() + 1;
                Durably.run("recording snapshot " + sent + " of " + run.runId(), () -> QuarkusTransaction.requiringNew()
                        .run(() -> TrainingRun.update("snapshotsSent = ?1 where id = ?2", sent, run.runId())));
                report(run, "running", "gradient snapshot " + sent + "/" + snapshot.snapshots() + " sent", null);
            }
        }

        @Override
        public void checkpoint(CheckpointFile.Saved saved) {
            recorder.record(run, saved, owner);
            report(run, "running", "checkpoint " + saved.path().getFileName() + " (epoch " + saved.epoch() + ")", null);
            checkpoints.publishPending();
        }

        @Override
        public void step(Trainer.StepReport r) {
            long now = System.nanoTime();
            boolean epochEnd = (r.step() + 1) % Math.max(1, r.totalSteps() / Math.max(1, r.epochs())) == 0;
            if (now - lastReport < settings.worker().progressInterval().toNanos() && !epochEnd && r.step() + 1 < r.totalSteps()) {
                return;
            }
            lastReport = now;
            try {
                stepReport(r);
            } catch (RuntimeException e) {
                LOG.warnf("progress of %s at step %d not recorded: %s", run.runId(), r.step() + 1, e.getMessage());
            }
        }

        private void stepReport(Trainer.StepReport r) {
            QuarkusTransaction.requiringNew().run(() -> TrainingRun.update(
                    "step = ?1, totalSteps = ?2, epoch = ?3, epochs = ?4, loss = ?5, imagesPerSecond = ?6, etaMs = ?7, "
                            + "updatedAt = ?8 where id = ?9", r.step() + 1, r.totalSteps(), r.epoch() + 1, r.epochs(),
                    r.loss(), r.imagesPerSecond(), r.etaMillis(), Instant.now(), run.runId()));
            report(run, "running", null, r);
        }

        @Override
        public boolean cancelled() {
            return stop.get() || stopping.get();
        }

        @Override
        public Trainer.WhenStopped whenStopped() {
            // a user's cancel wins over a shutdown arriving at the same time: the run ends, keeping what it learned
            return leaseLost.get() ? Trainer.WhenStopped.NOTHING
                    : stop.get() || !stopping.get() ? Trainer.WhenStopped.KEEP_UNFINISHED_EPOCH
                    : Trainer.WhenStopped.RESUME_POINT;
        }

        @Override
        public void status(String message) {
            report(run, "running", message, null);
        }
    }

    private Device device(RunSpec run) {
        if (!run.device().equals(settings.device().trim().toLowerCase(java.util.Locale.ROOT))) {
            throw new IllegalStateException("run " + run.runId() + " asks for " + run.device() + ", this trainer has "
                    + settings.device());
        }
        return device();
    }

    private Device device() {
        return org.mmapmtl.train.Devices.named(settings.device());
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
