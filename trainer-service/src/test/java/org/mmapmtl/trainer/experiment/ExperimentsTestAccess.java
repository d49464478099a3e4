package org.mmapmtl.trainer.experiment;

/** Lets tests of other packages make an experiment row without a spec. */
public final class ExperimentsTestAccess {
    private ExperimentsTestAccess() {
    }

    public static void create(String id) {
        Experiment.create(id, Phase.QUEUED);
    }

    /** An experiment that has run its phase 1 (no run rows): it waits for its partitions. */
    public static void awaitingPartition(org.mmapmtl.experiment.ExperimentSpec spec) {
        Experiment e = Experiment.create(spec.id(), Phase.AWAITING_PARTITION);
        e.spec = org.mmapmtl.experiment.SpecJson.write(spec);
    }
}
