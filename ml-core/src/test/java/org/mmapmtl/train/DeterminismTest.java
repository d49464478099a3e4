package org.mmapmtl.train;

import org.junit.jupiter.api.Test;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.prompt.PromptedClip;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Tagged {@code training} (run alone with {@code -Dgroups=training}); part of the default build. */
@org.junit.jupiter.api.Tag("training")
class DeterminismTest {

    private List<Double> losses(String method, long seed) {
        TinyWorld world = TinyWorld.shared();
        TrainingConfig config = TrainingConfig.paper(seed).withEpochs(3).withBatchSize(8).withLearningRate(0.0035, 0);
        try (ClipModel clip = world.loadClip();
             PromptedClip model = world.prompted(clip, method, List.of(TinyWorld.TASKS), seed);
             Trainer trainer = new Trainer(model, world.trainData(), world.pipeline, config, world.baseSha)) {
            return trainer.run(null, null, new Trainer.Listener() { }).losses();
        }
    }

    @Test
    void sameSeedGivesTheSameLossesAndAnotherSeedDoesNot() {
        List<Double> first = losses("mmap-mt", 1);
        List<Double> again = losses("mmap-mt", 1);
        List<Double> other = losses("mmap-mt", 2);
        assertThat(again).containsExactlyElementsOf(first);
        assertThat(other).isNotEqualTo(first);
    }
}
