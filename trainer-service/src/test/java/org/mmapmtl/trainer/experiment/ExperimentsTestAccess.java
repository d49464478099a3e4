package org.mmapmtl.trainer.experiment;

/** Lets tests of other packages make an experiment row without a spec. */
public final class ExperimentsTestAccess {
    private ExperimentsTestAccess() {
    }

    public static void create(String id) {
        Experiment.create(id, Phase.QUEUED);
    }
}
