package org.mmapmtl.train;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.eval.Evaluator;
import org.mmapmtl.events.Evaluation;
import org.mmapmtl.prompt.PromptedClip;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every trainable method, trained with the paper's optimizer on two generated domains from a tiny pretrained CLIP,
 * must lower its training loss and classify held-out images of its tasks better than chance. Tagged {@code training}
 * (run alone with {@code -Dgroups=training}); part of the default build, about a minute.
 */
@org.junit.jupiter.api.Tag("training")
class MethodsLearnTest {
    private static final double CHANCE = 0.25;

    @ParameterizedTest
    @ValueSource(strings = {"coop", "coop-mt", "vpt", "vpt-mt", "maple", "maple-mt", "clip-adapter", "clip-adapter-mt",
            "bitfit", "full-ft", "mmap", "mmap-mt", "mmap-st", "mmap-joint", "mmap-joint-mt", "mmap-mlp", "mmap-mlp-mt"})
    void lowersTrainingLossAndBeatsChance(String method) {
        TinyWorld world = TinyWorld.shared();
        TrainingConfig config = TrainingConfig.paper(1).withEpochs(12).withBatchSize(8).withLearningRate(0.002, 0)
                .withAugment(false);
        try (ClipModel clip = world.loadClip();
             PromptedClip model = world.prompted(clip, method, List.of(List.of(TinyWorld.TASKS.get(0)), List.of(TinyWorld.TASKS.get(1))), 1);
             Trainer trainer = new Trainer(model, world.trainData(), world.pipeline, config, world.baseSha)) {
            Map<String, Evaluation.TaskScore> start = new Evaluator(model, world.pipeline, 32).evaluate(world.testSets());
            List<Double> losses = trainer.run(null, null, new Trainer.Listener() {
                @Override
                public void onStep(Trainer.StepReport r) {
                    if (Boolean.getBoolean("trace")) {
                        System.out.println(r.step() + " " + r.taskLosses() + " lr " + r.learningRate());
                    }
                }
            }).losses();
            Map<String, Evaluation.TaskScore> scores = new Evaluator(model, world.pipeline, 32).evaluate(world.testSets());

            double first = losses.subList(0, 4).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            double last = losses.subList(losses.size() - 4, losses.size()).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            double accuracy = scores.values().stream().mapToDouble(Evaluation.TaskScore::accuracy).average().orElseThrow();
            System.out.printf("%-16s params %8d  loss %.3f -> %.3f  held-out accuracy %s -> %s%n", method,
                    model.method().parameters().count(), first, last, accuracies(start), accuracies(scores));
            assertThat(last).as("mean loss of the last 4 steps vs the first 4").isLessThan(first);
            assertThat(accuracy).as("mean held-out accuracy, chance is " + CHANCE).isGreaterThan(CHANCE + 0.05);
        }
    }

    private static String accuracies(Map<String, Evaluation.TaskScore> scores) {
        StringBuilder out = new StringBuilder();
        scores.forEach((task, s) -> out.append(out.isEmpty() ? "" : " ").append(task).append(' ')
                .append(String.format("%.3f", s.accuracy())));
        return out.toString();
    }
}
