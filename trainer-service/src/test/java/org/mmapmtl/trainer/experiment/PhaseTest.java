package org.mmapmtl.trainer.experiment;

import org.junit.jupiter.api.Test;
import org.mmapmtl.experiment.RunSpec;
import org.mmapmtl.experiment.SpecJson;
import org.mmapmtl.trainer.spec.SpecReader;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The phase machine alone: which phase an experiment's runs and partition put it in. */
class PhaseTest {
    private static Experiment experiment(String methods) {
        String json = "{\"id\":\"p\",\"dataset\":{\"kind\":\"folder\",\"root\":\"data/x\",\"percent\":25},"
                + "\"weights\":\"generated:tiny\",\"methods\":" + methods + "}";
        Experiment e = new Experiment();
        e.id = "p";
        e.phase = Phase.QUEUED;
        e.spec = SpecJson.write(SpecReader.read(json.getBytes(StandardCharsets.UTF_8), false));
        return e;
    }

    private static TrainingRun run(String stage, String state) {
        TrainingRun r = new TrainingRun();
        r.stage = stage;
        r.state = state;
        return r;
    }

    @Test
    void aGroupedExperimentGoesThroughBothPhases() {
        Experiment e = experiment("[\"zero-shot\", \"mmap\"]");
        TrainingRun phase1 = run(RunSpec.PHASE_1, TrainingRun.QUEUED);
        TrainingRun baseline = run(null, TrainingRun.QUEUED);
        assertThat(Phase.of(e, List.of(phase1, baseline), false)).isEqualTo(Phase.QUEUED);
        phase1.state = TrainingRun.RUNNING;
        assertThat(Phase.of(e, List.of(phase1, baseline), false)).isEqualTo(Phase.GLOBAL_TRAINING);
        phase1.state = TrainingRun.DONE;
        baseline.state = TrainingRun.DONE;
        assertThat(Phase.of(e, List.of(phase1, baseline), false)).isEqualTo(Phase.AWAITING_PARTITION);
        TrainingRun group = run(RunSpec.PHASE_2, TrainingRun.QUEUED);
        assertThat(Phase.of(e, List.of(phase1, baseline, group), true)).isEqualTo(Phase.GROUPED);
        group.state = TrainingRun.RUNNING;
        assertThat(Phase.of(e, List.of(phase1, baseline, group), true)).isEqualTo(Phase.GROUP_TRAINING);
        group.state = TrainingRun.DONE;
        assertThat(Phase.of(e, List.of(phase1, baseline, group), true)).isEqualTo(Phase.DONE);
    }

    @Test
    void aFailureOrCancelWaitsForTheRunsStillRunning() {
        Experiment e = experiment("[\"zero-shot\", \"coop-mt\"]");
        e.phase = Phase.TRAINING;
        TrainingRun failed = run(null, TrainingRun.FAILED);
        TrainingRun running = run(null, TrainingRun.RUNNING);
        assertThat(Phase.of(e, List.of(failed, running), false)).isEqualTo(Phase.TRAINING);
        running.state = TrainingRun.DONE;
        assertThat(Phase.of(e, List.of(failed, running), false)).isEqualTo(Phase.FAILED);

        Experiment cancelled = experiment("[\"zero-shot\"]");
        cancelled.phase = Phase.TRAINING;
        cancelled.cancelRequested = true;
        TrainingRun stopping = run(null, TrainingRun.RUNNING);
        assertThat(Phase.of(cancelled, List.of(stopping), false)).isEqualTo(Phase.TRAINING);
        stopping.state = TrainingRun.CANCELLED;
        assertThat(Phase.of(cancelled, List.of(stopping), false)).isEqualTo(Phase.CANCELLED);
    }

    @Test
    void labelsAreTheWireNames() {
        assertThat(Phase.GLOBAL_TRAINING.label()).isEqualTo("global-training");
        assertThat(Phase.AWAITING_PARTITION.label()).isEqualTo("awaiting-partition");
    }
}
