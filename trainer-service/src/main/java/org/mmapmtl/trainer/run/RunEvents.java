package org.mmapmtl.trainer.run;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import org.mmapmtl.events.GradientSnapshot;
import org.mmapmtl.experiment.RunSpec;
import org.mmapmtl.train.CheckpointFile;
import org.mmapmtl.train.RunExecutor;
import org.mmapmtl.train.Trainer;
import org.mmapmtl.trainer.TrainerSettings;

/**
 * What the DJL core reports while it trains a run, turned into what the system keeps and sends: gradient snapshots
 * to mmap.gradients, checkpoints into the outbox, step reports into the run's row and progress events (at most one
 * per {@code mmap.trainer.progress-interval}, and always at an epoch's end).
 */
@ApplicationScoped
public class RunEvents {
    private static final Logger LOG = Logger.getLogger(RunEvents.class);

    @Inject
    TrainerSettings settings;

    @Inject
    GradientSender sender;

    @Inject
    CheckpointRecorder recorder;

    @Inject
    CheckpointPublisher checkpoints;

    @Inject
    RunStates states;

    /**
     * Where a run's gradient snapshots go: the grouping key they are sent under (the experiment's id, or per seed
     * {@code id.sN}) and the experiment's grouping settings, which each snapshot carries.
     */
    public record GroupingTarget(String key, GradientSnapshot.Grouping settings) {
    }

    /**
     * @param snapshotsAlreadySent snapshots sent before the run was resumed, not sent again
     * @param grouping             where its snapshots go (null: an experiment known only from its partition)
     */
    RunExecutor.Events of(RunSpec run, String owner, int snapshotsAlreadySent, GroupingTarget grouping,
                          StopSignals stops) {
        return new Reports(run, owner, snapshotsAlreadySent, grouping, stops);
    }

    private final class Reports implements RunExecutor.Events {
        private final RunSpec run;
        private final String owner;
        private final int snapshotsAlreadySent;
        private final GroupingTarget grouping;
        private final StopSignals stops;
        private long lastReport;
        private int sentOfSnapshot;

        Reports(RunSpec run, String owner, int snapshotsAlreadySent, GroupingTarget grouping, StopSignals stops) {
            this.run = run;
            this.owner = owner;
            this.snapshotsAlreadySent = snapshotsAlreadySent;
            this.grouping = grouping;
            this.stops = stops;
        }

        @Override
        public void snapshot(GradientSnapshot snapshot) {
            if (snapshot.snapshot() < snapshotsAlreadySent) {
                return;
            }
            sender.gradient(new GradientSnapshot(grouping == null ? snapshot.experimentId() : grouping.key(), snapshot.task(),
                    snapshot.tasks(), snapshot.snapshot(), snapshot.snapshots(), snapshot.step(), snapshot.gradient(),
                    grouping == null ? null : grouping.settings()));
            if (++sentOfSnapshot == run.tasks().size()) {
                sentOfSnapshot = 0;
                states.snapshotsSent(run, snapshot.snapshot() + 1, snapshot.snapshots());
            }
        }

        @Override
        public void checkpoint(CheckpointFile.Saved saved) {
            recorder.record(run, saved, owner);
            states.report(run, "running", "checkpoint " + saved.path().getFileName() + " (epoch " + saved.epoch() + ")", null);
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
                states.stepReached(run, r);
            } catch (RuntimeException e) {
                LOG.warnf("progress of %s at step %d not recorded: %s", run.runId(), r.step() + 1, e.getMessage());
            }
        }

        @Override
        public boolean cancelled() {
            return stops.any();
        }

        @Override
        public Trainer.WhenStopped whenStopped() {
            return stops.whenStopped();
        }

        @Override
        public void status(String message) {
            states.report(run, "running", message, null);
        }
    }
}
