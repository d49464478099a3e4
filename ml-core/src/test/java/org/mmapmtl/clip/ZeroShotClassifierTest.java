package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmapmtl.tokenizer.ClipTokenizer;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ZeroShotClassifierTest {
    @TempDir
    Path dir;

    @Test
    void predictsTheClassWhosePromptScoresHighestForEachImage() {
        Path weights = dir.resolve("tiny.safetensors");
        ClipInitializer.write(weights, ClipArchitecture.TINY, 4);
        ClipTokenizer tokenizer = ClipTokenizer.bundled();
        List<String> classes = List.of("alarm clock", "backpack", "bike", "desk lamp");
        try (ClipModel model = ClipModel.load(ClipWeights.read(weights), Device.cpu());
             ZeroShotClassifier classifier = new ZeroShotClassifier(model, tokenizer, classes);
             NDManager batch = NDManager.newBaseManager(Device.cpu())) {
            NDArray images = batch.randomNormal(new Shape(5, 3, 64, 64));
            long[] predicted = classifier.classify(images);

            long[] ids = tokenizer.tokenizeAll(classes.stream().map(c -> "a photo of a " + c + ".").toList(), 77, true);
            NDArray direct = model.logits(model.encodeImage(images), model.encodeText(batch.create(ids, new Shape(classes.size(), 77))));
            assertThat(predicted).containsExactly(direct.argMax(1).toLongArray());
            assertThat(classifier.logits(images).toFloatArray()).containsExactly(direct.toFloatArray(),
                    org.assertj.core.api.Assertions.within(1e-4f));
        }
    }

    @Test
    void templateNeedsAPlaceForTheClass() {
        assertThatThrownBy(() -> new ZeroShotClassifier(null, ClipTokenizer.bundled(), List.of("a"), "a photo"))
                .hasMessageContaining("{}");
    }
}
