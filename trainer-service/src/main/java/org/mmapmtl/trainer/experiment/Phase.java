package org.mmapmtl.trainer.experiment;

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
}
