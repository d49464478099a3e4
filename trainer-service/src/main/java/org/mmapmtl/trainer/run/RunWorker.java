package org.mmapmtl.trainer.run;

import ai.djl.Device;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import org.mmapmtl.events.GradientSnapshot;
import org.mmapmtl.experiment.RunSpec;
import org.mmapmtl.experiment.SpecJson;
import org.mmapmtl.service.DatabaseUnavailable;
import org.mmapmtl.service.Durably;
import org.mmapmtl.service.LeaseKeeper;
import org.mmapmtl.train.BaseWeights;
import org.mmapmtl.train.CheckpointFile;
import org.mmapmtl.train.RunExecutor;
import org.mmapmtl.trainer.TrainerSettings;
import org.mmapmtl.trainer.experiment.Experiment;
import org.mmapmtl.trainer.experiment.Experiments;
import org.mmapmtl.trainer.experiment.TrainingRun;
import org.mmapmtl.trainer.spec.ExperimentPlan;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * This trainer's one training thread: claims a run, keeps its lease, trains it with the DJL core, records how it
 * ended ({@link RunStates}), and goes back for the next.
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
    CheckpointPublisher checkpoints;

    @Inject
    CheckpointRecorder recorder;

    @Inject
    RunStates states;

    @Inject
    RunEvents events;

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
        RunEvents.GroupingTarget grouping = QuarkusTransaction.requiringNew().call(() -> {
            var spec = Experiment.<Experiment>findById(row.experimentId).experimentSpec();
            if (spec == null) {
                return null; // an experiment known only from its partition record: its runs send no snapshots
            }
            var g = spec.grouping();
            return new RunEvents.GroupingTarget(ExperimentPlan.groupingKey(spec, row.runSpec().seed()),
                    new GradientSnapshot.Grouping(g.objective(), g.k(), g.tau(), g.similarity()));
        });
        RunSpec planned = row.runSpec();
        RunSpec spec = planned;
        StopSignals stops = new StopSignals(stopping);
        LeaseKeeper.Renewal renewal = leases.keep("run " + runId, settings.worker().lease(), () -> {
            if (QuarkusTransaction.requiringNew().call(() -> Experiment.<Experiment>findById(row.experimentId).cancelRequested)) {
                stops.cancel(); // a user's cancel, seen on the lease's tick
            }
            return claims.renew(runId, owner);
        }, stops::leaseLost);
        try {
            states.report(spec, "running", row.attempts > 1 ? "attempt " + row.attempts + " on " + owner : "started on " + owner, null);
            Path artifacts = Path.of(settings.artifactsDir()).toAbsolutePath();
            if (spec.weightsSha256() == null) {
                spec = resolveWeights(planned, artifacts);
            }
            RunSpec run = spec;
            Path runDir = artifacts.resolve(run.experimentId()).resolve(run.runId());
            if (row.attempts == 1) {
                // no trainer has run it in this database: files under its folder are an earlier run's with the same
                // id (a database wiped, artifacts kept), and resuming from them would announce that run's results
                Path stale = moveAside(runDir);
                if (stale != null) {
                    LOG.warnf("run %s: %s held files of an earlier run with this id; moved to %s, training from the start",
                            runId, runDir, stale);
                    states.report(spec, "running", "an earlier run with this id left files in its folder: moved to "
                            + stale.getFileName() + ", training from the start", null);
                }
            }
            recorder.recordExisting(run, runDir, owner);
            RunExecutor.Outcome outcome = RunExecutor.run(run, runDir, device(run), settings.worker().decodeThreads(),
                    events.of(run, owner, row.snapshotsSent, grouping, stops));
            checkpoints.publishPending();
            if (stops.isLeaseLost()) {
                LOG.warnf("run %s was taken over by another trainer; this one stopped", runId);
                return;
            }
            if (outcome.cancelled() && stops.isShutdown()) {
                states.handBack(run, owner, outcome);
                return;
            }
            states.finish(run, owner, outcome.cancelled() ? TrainingRun.CANCELLED : TrainingRun.DONE, null);
        } catch (RuntimeException | Error e) {
            LOG.errorf(e, "run %s failed", runId);
            if (!stops.isLeaseLost() && !stops.isShutdown()) {
                states.finish(spec, owner, TrainingRun.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        } finally {
            renewal.close();
        }
    }

    /** The run's base weights made or found, their file and SHA-256 recorded in its spec before it trains. */
    private RunSpec resolveWeights(RunSpec planned, Path artifacts) {
        Path weights = BaseWeights.resolve(planned.weights(), artifacts,
                message -> states.report(planned, "running", message, null));
        RunSpec resolved = planned.withWeights(weights.toUri().toString(), CheckpointFile.sha256(weights));
        Durably.run("recording the base weights of " + planned.runId(), () -> QuarkusTransaction.requiringNew().run(() -> {
            TrainingRun r = TrainingRun.findById(planned.runId());
            r.spec = SpecJson.write(resolved);
        }));
        return resolved;
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

    /** Renames a non-empty run folder to {@code <run id>.stale-<time>} beside it; null when there was nothing to move. */
    static Path moveAside(Path runDir) {
        if (!java.nio.file.Files.isDirectory(runDir)) {
            return null;
        }
        try (var files = java.nio.file.Files.list(runDir)) {
            if (files.findAny().isEmpty()) {
                return null;
            }
            Path stale = runDir.resolveSibling(runDir.getFileName() + ".stale-" + System.currentTimeMillis());
            return java.nio.file.Files.move(runDir, stale, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot move the earlier run's files in " + runDir + " aside: "
                    + e.getMessage() + "; move or delete that folder", e);
        }
    }
}
