package org.mmapmtl.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.mmapmtl.clip.ClipConfig;
import org.mmapmtl.clip.ClipInitializer;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipPreprocessor;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.data.Captions;
import org.mmapmtl.data.ShapeWorld;
import org.mmapmtl.experiment.ExperimentSpec;
import org.mmapmtl.io.Trees;
import org.mmapmtl.safetensors.Safetensors;
import org.mmapmtl.safetensors.SafetensorsContent;
import org.mmapmtl.safetensors.Tensor;
import org.mmapmtl.tokenizer.ClipTokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * CLIP's pretraining, small: both towers of a randomly initialised CLIP learn from image–caption pairs of the
 * {@link ShapeWorld} pretraining styles with CLIP's symmetric contrastive loss (each image must pick its caption among
 * the batch's captions, and each caption its image), the temperature learned too, AdamW with a linear warm-up and
 * cosine decay. Each step draws fresh pairs (the corpus is as large as steps × batch), deterministically from the
 * seed. The result is a CLIP weights file like any other. Version 4, what {@code generated:tiny} names, continues
 * version 3 with its image tower locked.
 */
public final class ContrastivePretraining {
    /** How long to pretrain and how. */
    public record Config(ClipConfig architecture, long seed, int steps, int batch, double learningRate,
                         double weightDecay, int warmupSteps, int captionLength, Captions captions, int startFrom,
                         boolean imageLocked) {
        /**
         * @param startFrom   0 to start from random weights, or a released version whose weights this continues
         * @param imageLocked the image tower keeps the weights it starts with; only the text tower (and the
         *                    temperature) learns, as in LiT
         */
        public Config {
            if (steps < 1 || batch < 2 || !(learningRate > 0) || weightDecay < 0 || warmupSteps < 0 || captionLength < 8) {
                throw new IllegalArgumentException("pretraining needs steps >= 1, batch >= 2, learning rate > 0, "
                        + "weight decay >= 0, warm-up >= 0 and captions of >= 8 tokens");
            }
            if (startFrom < 0 || (imageLocked && startFrom == 0)) {
                throw new IllegalArgumentException("a locked image tower needs a released version to start from");
            }
        }

        Config(ClipConfig architecture, long seed, int steps, int batch, double learningRate, double weightDecay,
               int warmupSteps, int captionLength, Captions captions) {
            this(architecture, seed, steps, batch, learningRate, weightDecay, warmupSteps, captionLength, captions, 0,
                    false);
        }

        /**
         * Version 1 of {@code generated:tiny}: a ViT of 2 blocks (width 128, 4 heads, 8-pixel patches of 48-pixel
         * images) and a text transformer of 2 blocks (width 128, 4 heads), 64-dimensional joint space.
         */
        public static Config version1() {
            ClipConfig architecture = new ClipConfig(64, new ClipConfig.Vision(128, 2, 4, 8, 48),
                    new ClipConfig.Text(128, 2, 4, 77, 49408));
            return new Config(architecture, 1, V1_STEPS, 128, V1_LEARNING_RATE, 0.1, V1_STEPS / 20, 20,
                    Captions.VARIED);
        }

        /**
         * Version 2: version 1 with a ViT of 4 blocks and 4,000 steps (200 of them
         * warm-up). Two blocks proved too shallow: version 1's image features of the task styles held little more
         * about the shape than its zero-shot guess used, so no prompt could find more.
         */
        public static Config version2() {
            ClipConfig architecture = new ClipConfig(64, new ClipConfig.Vision(128, 4, 4, 8, 48),
                    new ClipConfig.Text(128, 2, 4, 77, 49408));
            return new Config(architecture, 1, 4000, 128, 2e-3, 0.1, 200, 20, Captions.VARIED);
        }

        /**
         * Version 3 (what {@code generated:tiny} named until version 4): version 2 with a text transformer of 4 blocks
         * learning from {@link Captions#DESCRIPTIVE descriptive captions} of up to 24 tokens. Version 2's text tower
         * had learned to ignore every word before the object's, so text prompts (CoOp's context) could not move its
         * class features: CoOp's loss did not fall at any learning rate until it jumped to chance.
         */
        public static Config version3() {
            ClipConfig architecture = new ClipConfig(64, new ClipConfig.Vision(128, 4, 4, 8, 48),
                    new ClipConfig.Text(128, 4, 4, 77, 49408));
            return new Config(architecture, 1, 4000, 128, 2e-3, 0.1, 200, 24, Captions.DESCRIPTIVE);
        }

        /**
         * Version 4, what {@code generated:tiny} names: version 3's image tower, locked, and its text tower trained on
         * for 3,000 more steps (as LiT trains a text tower against a locked image tower) on
         * {@link Captions#STYLED styled captions} of eleven styles, eight of them new, whose captions always name
         * them. Version 3's text tower added a caption's words nearly independently, so a context shared by every
         * class (CoOp's) moved all class features alike and could not re-rank them; here a style's name must change
         * what each shape looks like to the image tower, which is what a learned context must do for a style it
         * never read. What the image tower gives the image-side prompts stays version 3's; zero-shot moves little.
         */
        public static Config version4() {
            return new Config(version3().architecture(), 4, 3000, 128, 1e-3, 0.1, 50, 24, Captions.STYLED, 3, true);
        }

        /** The recipe of a released version (1 to 4). */
        public static Config version(int version) {
            return switch (version) {
                case 1 -> version1();
                case 2 -> version2();
                case 3 -> version3();
                case 4 -> version4();
                default -> throw new IllegalArgumentException("no tiny CLIP version " + version + "; versions are 1 to 4");
            };
        }

        public Config withSteps(int s) {
            return new Config(architecture, seed, s, batch, learningRate, weightDecay, Math.min(warmupSteps, s / 2),
                    captionLength, captions, startFrom, imageLocked);
        }

        public Config withSeed(long s) {
            return new Config(architecture, s, steps, batch, learningRate, weightDecay, warmupSteps, captionLength,
                    captions, startFrom, imageLocked);
        }

        public String describe() {
            var v = architecture.vision();
            var t = architecture.text();
            return String.format(java.util.Locale.ROOT, "ViT %d blocks × %d wide, %d px patches of %d px images; text "
                            + "%d blocks × %d wide; %s captions of up to %d tokens; seed %d; AdamW lr %s, weight decay %s, "
                            + "%d warm-up steps%s", v.layers(), v.width(), v.patchSize(), v.resolution(), t.layers(),
                    t.width(), captions.name().toLowerCase(java.util.Locale.ROOT), captionLength, seed, learningRate,
                    weightDecay, warmupSteps, startFrom == 0 ? "" : "; from version " + startFrom
                            + (imageLocked ? ", its image tower locked" : ""));
        }
    }

    public record Report(int step, int steps, double loss, double accuracy, double logitScale, double pairsPerSecond,
                         long etaMillis) {
    }

    public record Result(Path file, int steps, double firstLoss, double lastLoss, double seconds) {
    }

    static final int V1_STEPS = 2500;
    static final double V1_LEARNING_RATE = 2e-3;

    static final String TOKEN_TABLE = "token_embedding.weight";
    /** The prefix of every image-tower weight's name. */
    static final String IMAGE_TOWER = "visual.";

    /** The largest temperature CLIP lets its logit scale reach (exp(scale) ≤ 100). */
    private static final float MAX_LOG_SCALE = (float) Math.log(100);

    private ContrastivePretraining() {
    }

    public static Result run(Config config, ClipTokenizer tokenizer, Path out, Consumer<Report> progress) {
        GradMode.offOnThisThread();
        long began = System.nanoTime();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("clip.vision_heads", Integer.toString(config.architecture().vision().heads()));
        meta.put("clip.text_heads", Integer.toString(config.architecture().text().heads()));
        ClipWeights start = config.startFrom() == 0
                ? new ClipWeights("random init, seed " + config.seed(), config.architecture(),
                ClipInitializer.initialize(config.architecture(), config.seed()), meta)
                : released(config.startFrom());
        int resolution = config.architecture().vision().resolution();
        ClipPreprocessor preprocessor = new ClipPreprocessor(resolution);
        ForkJoinPool renderers = new ForkJoinPool(Math.max(1, Runtime.getRuntime().availableProcessors()));
        double firstLoss = Double.NaN;
        double lastLoss = Double.NaN;
        try (ClipModel clip = ClipModel.load(start, Device.cpu());
             NDManager root = NDManager.newBaseManager(Device.cpu());
             AdamW adam = new AdamW(0.9, 0.98, 1e-6, Device.cpu())) {
            List<ClipModel.Weight> weights = clip.weights().stream()
                    .filter(w -> !config.imageLocked() || !w.name().startsWith(IMAGE_TOWER)).toList();
            weights.forEach(w -> w.array().setRequiresGradient(true));
            NDArray logScale = root.create(new float[] {clip.logitScale() > 0 ? (float) Math.log(clip.logitScale()) : 2.659f},
                    new Shape());
            logScale.setRequiresGradient(true);
            double meanStepNanos = 0;
            int batch = config.batch();
            for (int step = 0; step < config.steps(); step++) {
                long stepBegan = System.nanoTime();
                double rate = rate(config, step);
                final int s = step;
                float[][] pixels = new float[batch][];
                String[] captions = new String[batch];
                renderers.submit(() -> IntStream.range(0, batch).parallel().forEach(i -> {
                    ShapeWorld.Pair pair = ShapeWorld.pretrainingPair(config.seed(), (long) s * batch + i, resolution,
                            config.captions());
                    pixels[i] = preprocessor.apply(pair.image());
                    captions[i] = pair.caption();
                })).join();
                float loss;
                float accuracy;
                try (NDManager scope = root.newSubManager()) {
                    weights.forEach(w -> w.array().tempAttach(scope));
                    logScale.tempAttach(scope);
                    float[] flat = new float[batch * 3 * resolution * resolution];
                    for (int i = 0; i < batch; i++) {
                        System.arraycopy(pixels[i], 0, flat, i * pixels[i].length, pixels[i].length);
                    }
                    NDArray images = scope.create(flat, new Shape(batch, 3, resolution, resolution));
                    NDArray tokens = scope.create(tokenizer.tokenizeAll(List.of(captions), config.captionLength(), true),
                            new Shape(batch, config.captionLength()));
                    NDArray labels = scope.arange(0, batch).toType(ai.djl.ndarray.types.DataType.INT64, false);
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        NDArray image = clip.encodeImage(images);
                        NDArray text = clip.encodeText(tokens);
                        image = image.div(image.norm(new int[] {1}, true));
                        text = text.div(text.norm(new int[] {1}, true));
                        NDArray logits = image.matMul(text.transpose()).mul(logScale.exp());
                        NDArray l = TrainStep.crossEntropy(logits, labels)
                                .add(TrainStep.crossEntropy(logits.transpose(), labels)).div(2f);
                        collector.backward(l);
                        loss = l.getFloat();
                        accuracy = logits.argMax(1).eq(labels).toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                                .mean().getFloat();
                    }
                    if (!Float.isFinite(loss)) {
                        throw new TrainingDivergedException("pretraining diverged at step " + step + " (loss " + loss
                                + ", learning rate " + rate + "); lower the learning rate");
                    }
                    for (ClipModel.Weight w : weights) {
                        NDArray g = w.array().getGradient();
                        // CLIP decays matrices only: gains, biases, embeddings and the temperature are left alone
                        boolean decay = w.array().getShape().dimension() >= 2 && !w.name().contains("embedding");
                        adam.update(w.name(), w.array(), g, rate, decay ? config.weightDecay() : 0);
                        g.subi(g);
                    }
                    NDArray g = logScale.getGradient();
                    adam.update("logit_scale", logScale, g, rate, 0);
                    g.subi(g);
                    float clamped = Math.min(MAX_LOG_SCALE, Math.max(0f, logScale.getFloat()));
                    logScale.set(new float[] {clamped});
                }
                if (step == 0) {
                    firstLoss = loss;
                }
                lastLoss = loss;
                long stepNanos = System.nanoTime() - stepBegan;
                meanStepNanos = step == 0 ? stepNanos : 0.9 * meanStepNanos + 0.1 * stepNanos;
                progress.accept(new Report(step + 1, config.steps(), loss, accuracy, Math.exp(logScale.getFloat()),
                        batch / (meanStepNanos / 1e9), (long) (meanStepNanos * (config.steps() - step - 1) / 1e6)));
            }
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (ClipModel.Weight w : clip.weights()) {
                Tensor t = ClipModel.referenceTensor(w);
                float[] values = t.toFloats();
                if (w.name().equals(TOKEN_TABLE)) {
                    zeroUntrainedRows(values, t.shape(), captionTokens(tokenizer, config.captions()));
                }
                tensors.put(w.name(), Tensor.ofHalfs(t.shape(), values));
            }
            tensors.put("logit_scale", Tensor.ofFloats(new long[] {}, new float[] {logScale.getFloat()}));
            Map<String, String> fileMeta = new LinkedHashMap<>(meta);
            fileMeta.put("format", "pt");
            fileMeta.put("clip.init", String.format(java.util.Locale.ROOT,
                    "contrastive pretraining on the shape world's styles %s (%s captions), seed %d, %d steps of %d "
                            + "pairs, AdamW lr %s wd %s, warm-up %d%s", config.captions().styles(),
                    config.captions().name().toLowerCase(java.util.Locale.ROOT), config.seed(),
                    config.steps(), batch, config.learningRate(), config.weightDecay(), config.warmupSteps(),
                    config.startFrom() == 0 ? "" : ", from " + ExperimentSpec.RELEASED_TINY.get(config.startFrom() - 1)
                            + (config.imageLocked() ? " with its image tower locked" : "")));
            Files.createDirectories(out.toAbsolutePath().getParent());
            Safetensors.write(out, tensors, fileMeta);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        } finally {
            renderers.shutdownNow();
        }
        return new Result(out, config.steps(), firstLoss, lastLoss, (System.nanoTime() - began) / 1e9);
    }

    /** The weights of a released version, read from the copy that ships with ml-core. */
    private static ClipWeights released(int version) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("mmap-pretrain-");
            return ClipWeights.read(BaseWeights.resolve(ExperimentSpec.RELEASED_TINY.get(version - 1), dir, s -> { }));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot unpack version " + version + " of the tiny CLIP: " + e.getMessage(), e);
        } finally {
            if (dir != null) {
                Trees.delete(dir);
            }
        }
    }

    /**
     * The tokens pretraining trains: those of the shape world's caption words, start- and end-of-text. The other rows
     * of the token table never receive a gradient (embeddings are not decayed), so they stay random noise; written
     * as zeros they mean the same to the model (nothing) and let the artifact compress to a fraction of its size.
     */
    static BitSet captionTokens(ClipTokenizer tokenizer, Captions captions) {
        BitSet tokens = new BitSet(tokenizer.vocabularySize());
        tokens.set(tokenizer.startOfText());
        tokens.set(tokenizer.endOfText());
        for (String word : captions.words()) {
            tokenizer.encode(word).forEach(tokens::set);
        }
        return tokens;
    }

    static void zeroUntrainedRows(float[] table, long[] shape, BitSet trained) {
        int width = (int) shape[1];
        for (int row = 0; row < shape[0]; row++) {
            if (!trained.get(row)) {
                java.util.Arrays.fill(table, row * width, (row + 1) * width, 0f);
            }
        }
    }

    /** Linear warm-up to the learning rate, then cosine decay to zero at the last step. */
    static double rate(Config c, int step) {
        if (step < c.warmupSteps()) {
            return c.learningRate() * (step + 1) / c.warmupSteps();
        }
        double progress = (step - c.warmupSteps()) / (double) Math.max(1, c.steps() - c.warmupSteps());
        return c.learningRate() * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}
