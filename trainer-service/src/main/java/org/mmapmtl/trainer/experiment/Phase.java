package org.mmapmtl.trainer.experiment;

import org.mmapmtl.experiment.ExperimentSpec;
import org.mmapmtl.experiment.RunSpec;

import java.util.List;
import java.util.Locale;

/** Where an experiment stands in its two-phase pipeline (docs/architecture.md). */
public enum Phase {
    /** submitted; no run has started */
    QUEUED,
    /** phase 1: a global MmAP on all tasks, streaming gradient snapshots */
    GLOBAL_TRAINING,
    /** every snapshot sent; waiting for mmap.partitions */
    AWAITING_PARTITION,
    /** the partition has arrived; phase 2 (per-group training) can start */
    GROUPED,
    GROUP_TRAINING,
    /** methods that need no partition are training (an experiment without grouping methods) */
    TRAINING,
    DONE,
    FAILED,
    CANCELLED;

    public boolean terminal() {
        return this == DONE || this == FAILED || this == CANCELLED;
    }

    /** The phase as events and REST name it: {@code global-training}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The phase an experiment is in, from its runs and whether its partition has arrived. */
    static Phase of(Experiment e, List<TrainingRun> runs, boolean partitioned) {
        ExperimentSpec spec = e.experimentSpec();
        if (spec == null) {
            return partitioned ? GROUPED : e.phase;
        }
        boolean anyRunning = runs.stream().anyMatch(r -> TrainingRun.RUNNING.equals(r.state));
        if (e.cancelRequested) {
            return anyRunning ? e.phase : CANCELLED;
        }
        if (runs.stream().anyMatch(r -> TrainingRun.FAILED.equals(r.state))) {
            return anyRunning ? e.phase : FAILED;
        }
        boolean allDone = runs.stream().allMatch(TrainingRun::terminal);
        if (spec.needsPartition() && !partitioned) {
            // one phase 1, or with grouping.phase1 per-seed one per seed (their partitions arriving one by one)
            List<TrainingRun> phase1 = runs.stream().filter(r -> RunSpec.PHASE_1.equals(r.stage)).toList();
            if (!phase1.isEmpty() && phase1.stream().allMatch(TrainingRun::terminal)) {
                return AWAITING_PARTITION;
            }
            return runs.stream().anyMatch(r -> !TrainingRun.QUEUED.equals(r.state)) ? GLOBAL_TRAINING : QUEUED;
        }
        if (allDone) {
            return DONE;
        }
        if (spec.needsPartition()) {
            return runs.stream().anyMatch(r -> RunSpec.PHASE_2.equals(r.stage) && !TrainingRun.QUEUED.equals(r.state))
                    ? GROUP_TRAINING : GROUPED;
        }
        return anyRunning || runs.stream().anyMatch(TrainingRun::terminal) ? TRAINING : QUEUED;
    }
}
