package org.mmapmtl.train;

import ai.djl.Device;
import org.mmapmtl.clip.ClipArchitecture;
import org.mmapmtl.clip.ClipInitializer;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.data.DatasetLoader;
import org.mmapmtl.data.ImagePipeline;
import org.mmapmtl.data.Sample;
import org.mmapmtl.data.Split;
import org.mmapmtl.io.Trees;
import org.mmapmtl.data.SplitRule;
import org.mmapmtl.data.SyntheticDomains;
import org.mmapmtl.experiment.MethodSpec;
import org.mmapmtl.prompt.PromptMethod;
import org.mmapmtl.prompt.PromptedClip;
import org.mmapmtl.tokenizer.ClipTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the training tests share, made once per test JVM: a generated four-domain dataset (4 classes, 16 images per
 * class and domain, 64 px), a tiny CLIP pretrained by full fine-tuning on its photo domain, and the tasks the methods
 * are tested on: clipart and painting, split half/half. The pretrained model starts between chance and perfect on
 * both (clipart keeps photo's colours in other shapes and backgrounds, painting shifts the hues), so there is room to
 * learn. Sketch is left out: line drawings carry none of the colour the pretraining learns from, their features
 * say nothing about the class, and a prompt shared with sketch collapses every class to the same text feature.
 */
final class TinyWorld {
    static final List<String> PRETRAIN_DOMAINS = List.of("photo");
    static final List<String> TASKS = List.of("clipart", "painting");
    private static TinyWorld shared;

    final Path dir;
    final Path randomWeights;
    final Path weights;
    final Split split;
    final ImagePipeline pipeline;
    final ClipTokenizer tokenizer = ClipTokenizer.bundled();
    final String baseSha;

    static synchronized TinyWorld shared() {
        if (shared == null) {
            try {
                Path dir = Files.createTempDirectory("tiny-world");
                Trees.deleteOnExit(dir); // 58 MB a test JVM, which would pile up in the temporary folder
                shared = new TinyWorld(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    private TinyWorld(Path dir) {
        this.dir = dir;
        randomWeights = dir.resolve("tiny-random.safetensors");
        ClipInitializer.write(randomWeights, ClipArchitecture.TINY, 7);
        Path data = dir.resolve("data");
        SyntheticDomains.generate(data, 4, 4, 16, 11, 64);
        split = Split.of(DatasetLoader.folder(data), new SplitRule.Percent(50), 1, false);
        weights = dir.resolve("tiny-pretrained.safetensors");
        TrainingConfig pretraining = TrainingConfig.paper(3).withEpochs(25).withBatchSize(8).withLearningRate(0.0035, 0)
                .withAugment(false);
        GeneratedPretraining.run(randomWeights, tokenizer, split, PRETRAIN_DOMAINS, pretraining, weights, r -> { });
        baseSha = CheckpointFile.sha256(weights);
        pipeline = new ImagePipeline(data, 64, 2);
    }

    ClipModel loadClip() {
        return ClipModel.load(ClipWeights.read(weights), Device.cpu());
    }

    List<Trainer.TaskData> trainData() {
        return TASKS.stream().map(t -> new Trainer.TaskData(t, split.task(t).train())).toList();
    }

    Map<String, List<Sample>> testSets() {
        Map<String, List<Sample>> m = new LinkedHashMap<>();
        TASKS.forEach(t -> m.put(t, split.task(t).test()));
        return m;
    }

    Map<String, List<Sample>> trainSets() {
        Map<String, List<Sample>> m = new LinkedHashMap<>();
        TASKS.forEach(t -> m.put(t, split.task(t).train()));
        return m;
    }

    PromptedClip prompted(ClipModel clip, String method, List<List<String>> groups, long seed) {
        return prompted(clip, MethodSpec.parse(method), groups, seed);
    }

    PromptedClip prompted(ClipModel clip, MethodSpec method, List<List<String>> groups, long seed) {
        PromptMethod m = PromptMethod.create(method, clip, tokenizer, TASKS, groups, seed);
        return new PromptedClip(clip, m, tokenizer, split.classNames());
    }
}
