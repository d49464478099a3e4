package org.mmapmtl.cli;

import ai.djl.Device;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.data.ShapeWorld;
import org.mmapmtl.eval.StyleTransfer;
import org.mmapmtl.experiment.ExperimentSpec;
import org.mmapmtl.train.BaseWeights;
import org.mmapmtl.train.CheckpointFile;
import org.mmapmtl.train.ContrastivePretraining;
import org.mmapmtl.tokenizer.ClipTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "pretrain-tiny", mixinStandardHelpOptions = true,
        header = "Pretrains the tiny CLIP that generated:tiny names, contrastively, on the shape world.",
        description = {"Pretrains the tiny CLIP that generated:tiny names, as CLIP is pretrained: both towers, the",
                "symmetric contrastive loss, on image-caption pairs of the shape world's pretraining styles.",
                "The defaults are the newest version's recipe (the file that ships with ml-core is the reference:",
                "rounding in the CPU kernels makes a rerun drift). Prints the zero-shot accuracy per style at the end:",
                "the task styles were never seen."})
final class PretrainTinyCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "the safetensors file to write")
    Path out;

    @Option(names = "--version", defaultValue = "4", description = "whose recipe: 1 to 4 (version 4 continues the shipped "
            + "version 3) (default: ${DEFAULT-VALUE})")
    int version;

    @Option(names = "--steps", description = "optimisation steps (default: the version's)")
    Integer steps;

    @Option(names = "--seed", description = "the seed of the initial weights and of the corpus (default: the version's)")
    Long seed;

    @Override
    public Integer call() throws Exception {
        ContrastivePretraining.Config config;
        try {
            config = ContrastivePretraining.Config.version(version);
        } catch (IllegalArgumentException e) {
            System.err.println("mmap pretrain-tiny: --version " + version + ": " + e.getMessage());
            return 2;
        }
        if (steps != null) {
            config = config.withSteps(steps);
        }
        if (seed != null) {
            config = config.withSeed(seed);
        }
        if (Files.isDirectory(out)) {
            System.err.println("mmap pretrain-tiny: --out " + out + " is a folder; give a file name");
            return 2;
        }
        System.out.printf(Locale.ROOT, "Pretraining a tiny CLIP (%s) for %d steps of %d pairs on the styles %s ...%n",
                config.describe(), config.steps(), config.batch(), config.captions().styles());
        long every = Math.max(1, config.steps() / 40);
        ContrastivePretraining.Result result = ContrastivePretraining.run(config, ClipTokenizer.bundled(), out, r -> {
            if (r.step() % every == 0 || r.step() == r.steps()) {
                System.out.printf(Locale.ROOT, "  step %d/%d  loss %.4f  batch accuracy %.2f  temperature %.1f  "
                                + "%.0f pairs/s  ETA %dm%02ds%n", r.step(), r.steps(), r.loss(), r.accuracy(),
                        r.logitScale(), r.pairsPerSecond(), r.etaMillis() / 60000, (r.etaMillis() / 1000) % 60);
            }
        });
        System.out.printf(Locale.ROOT, "Wrote %s (%.1f MB, SHA-256 %s) in %.0f s; loss %.3f -> %.3f%n", out,
                Files.size(out) / 1e6, CheckpointFile.sha256(out), result.seconds(), result.firstLoss(), result.lastLoss());
        List<String> styles = new ArrayList<>(config.captions().styles());
        styles.addAll(ShapeWorld.TASK_STYLES);
        try (ClipModel clip = ClipModel.load(ClipWeights.read(out), Device.cpu())) {
            Map<String, Double> accuracy = StyleTransfer.zeroShot(clip, ClipTokenizer.bundled(), styles,
                    ShapeWorld.DEMO_CLASSES, 50, 99);
            System.out.printf(Locale.ROOT, "Zero-shot accuracy (\"a photo of a {shape}.\", %d shapes, chance %.2f %%):%n",
                    ShapeWorld.DEMO_CLASSES, 100.0 / ShapeWorld.DEMO_CLASSES);
            accuracy.forEach((style, a) -> System.out.printf(Locale.ROOT, "  %-9s %6.2f %%  %s%n", style, 100 * a,
                    ShapeWorld.TASK_STYLES.contains(style) ? "(never seen in pretraining)"
                            : ShapeWorld.TEXT_STAGE_STYLES.contains(style) ? "(text stage only: the image tower never learned it)"
                            : "(pretraining style)"));
        }
        String name = ExperimentSpec.RELEASED_TINY.get(version - 1);
        System.out.println("The shipped " + name + " has SHA-256 " + BaseWeights.VERSIONS.get(name).sha256() + ".");
        return 0;
    }
}
