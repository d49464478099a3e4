package org.mmapmtl.trainer.run;

import org.mmapmtl.train.Trainer;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Why a run in progress stops, and so what it keeps: a user's cancel (seen on the lease's tick), a lease lost to
 * another trainer, or this trainer shutting down. Set from other threads, read by the training thread after each step.
 */
final class StopSignals {
    private final AtomicBoolean cancel = new AtomicBoolean();
    private final AtomicBoolean leaseLost = new AtomicBoolean();
    private final AtomicBoolean shutdown;

    /** @param shutdown the trainer's own flag, shared by every run it starts */
    StopSignals(AtomicBoolean shutdown) {
        this.shutdown = shutdown;
    }

    void cancel() {
        cancel.set(true);
    }

    void leaseLost() {
        leaseLost.set(true);
    }

    boolean any() {
        return cancel.get() || leaseLost.get() || shutdown.get();
    }

    boolean isLeaseLost() {
        return leaseLost.get();
    }

    boolean isShutdown() {
        return shutdown.get();
    }

    Trainer.WhenStopped whenStopped() {
        // a user's cancel wins over a shutdown arriving at the same time: the run ends, keeping what it learned
        return leaseLost.get() ? Trainer.WhenStopped.NOTHING
                : cancel.get() || !shutdown.get() ? Trainer.WhenStopped.KEEP_UNFINISHED_EPOCH
                : Trainer.WhenStopped.RESUME_POINT;
    }
}
