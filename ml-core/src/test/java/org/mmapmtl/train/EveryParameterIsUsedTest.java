package org.mmapmtl.train;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.experiment.MethodSpec;
import org.mmapmtl.prompt.ParameterSpec;
import org.mmapmtl.prompt.PromptMethod;
import org.mmapmtl.prompt.PromptedClip;
import org.mmapmtl.prompt.TrainableParameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The parameter count a method states is what its forward pass uses: one training step (plain SGD, no momentum, no
 * weight decay, no warm-up, so that a parameter moves only if the loss depends on it) must move every tensor the
 * method's layout lists, and the tensors it lists must add up to the count the results table prints. A forward that
 * prompted only some of the K layers, or a task that never reached its group's prompt, leaves tensors unmoved and
 * fails here; {@code PromptMethodTest} checks the layout's arithmetic against the paper's, this checks the layout
 * against the forward.
 */
class EveryParameterIsUsedTest {

    /** Every method by name, and MmAP with one source prompt for all layers ("mmap/shared-source"). */
    static List<String> methods() {
        return List.of("coop", "coop-mt", "vpt", "vpt-mt", "maple", "maple-mt", "clip-adapter", "clip-adapter-mt",
                "bitfit", "full-ft", "mmap", "mmap-mt", "mmap-st", "mmap-joint", "mmap-joint-mt", "mmap-mlp", "mmap-mlp-mt",
                "mmap/shared-source", "mmap-mt/shared-source");
    }

    @ParameterizedTest
    @MethodSource("methods")
    void oneStepMovesEveryTensorOfTheLayoutAndNothingElse(String label) {
        MethodSpec method = label.endsWith("/shared-source")
                ? MethodSpec.parse(label.substring(0, label.indexOf('/'))).withSourcePerLayer(false) : MethodSpec.parse(label);
        TinyWorld world = TinyWorld.shared();
        List<List<String>> groups = List.of(List.of(TinyWorld.TASKS.get(0)), List.of(TinyWorld.TASKS.get(1)));
        // two images a task, one batch a task: one step, in which every task reaches the loss
        List<Trainer.TaskData> data = world.trainData().stream()
                .map(t -> new Trainer.TaskData(t.name(), t.train().subList(0, 2))).toList();
        // a huge learning rate: a gradient as small as 1e-12 still moves its parameter past float rounding, while a
        // parameter the loss does not depend on has a gradient of exactly zero and stays put
        TrainingConfig config = new TrainingConfig(1, 2, 1e9, 0, 0, 0, 0, false, 1, 0, 0, BatchPlan.Sampling.PER_TASK);
        try (ClipModel clip = world.loadClip();
             PromptedClip model = world.prompted(clip, method, groups, 1)) {
            TrainableParameters parameters = model.method().parameters();
            Map<String, float[]> before = new LinkedHashMap<>();
            for (String name : parameters.names()) {
                before.put(name, parameters.get(name).toFloatArray());
            }
            try (Trainer trainer = new Trainer(model, data, world.pipeline, config, world.baseSha)) {
                assertThat(trainer.run(null, null, new Trainer.Listener() { }).stepsDone()).isEqualTo(1);
            }
            List<String> unmoved = new ArrayList<>();
            long moved = 0;
            for (String name : parameters.names()) {
                float[] after = parameters.get(name).toFloatArray();
                boolean changed = false;
                for (int i = 0; i < after.length && !changed; i++) {
                    changed = after[i] != before.get(name)[i];
                }
                if (changed) {
                    moved += after.length;
                } else {
                    unmoved.add(name);
                }
            }
            List<ParameterSpec> layout = PromptMethod.layout(method, clip.config(), TinyWorld.TASKS, groups);
            assertThat(unmoved).as("%s: tensors the loss does not depend on", label).isEmpty();
            assertThat(parameters.names()).as(label).containsExactlyInAnyOrderElementsOf(
                    layout.stream().map(ParameterSpec::name).toList());
            assertThat(moved).as("%s: elements of the tensors one step moved", label)
                    .isEqualTo(layout.stream().mapToLong(ParameterSpec::count).sum())
                    .isEqualTo(parameters.count());
        }
    }
}
