package org.mmapmtl.trainer.spec;

import com.fasterxml.jackson.databind.JsonNode;
import org.mmapmtl.experiment.PromptSettings;
import org.mmapmtl.experiment.Recipe;
import org.mmapmtl.tokenizer.ClipTokenizer;

import java.util.Set;
import java.util.regex.Pattern;

/** The spec's {@code recipe} and {@code prompt} sections: how each run trains and how large its prompts are. */
final class TrainingSection {
    private final SpecFields fields;

    TrainingSection(SpecFields fields) {
        this.fields = fields;
    }

    Recipe recipe(JsonNode node, Recipe d) {
        if (node.isMissingNode() || node.isNull()) {
            return d;
        }
        if (!node.isObject()) {
            fields.error("recipe", "must be an object");
            return d;
        }
        fields.known(node, "recipe.", "epochs", "batchSize", "learningRate", "momentum", "weightDecay", "warmupEpochs",
                "warmupLearningRate", "augment", "sampling", "batchPer", "precision", "maxGradNorm");
        int epochs = SpecFields.or(fields.integer(node, "epochs", "recipe.", 1, 1000), d.epochs());
        int batch = SpecFields.or(fields.integer(node, "batchSize", "recipe.", 1, 1024), d.batchSize());
        double lr = SpecFields.or(fields.positive(node, "learningRate", "recipe.", 10), d.learningRate());
        double momentum = d.momentum();
        Double m = fields.number(node, "momentum", "recipe.");
        if (m != null) {
            if (m < 0 || m >= 1) {
                fields.error("recipe.momentum", "must be in [0, 1), got " + m);
            } else {
                momentum = m;
            }
        }
        double wd = d.weightDecay();
        Double w = fields.number(node, "weightDecay", "recipe.");
        if (w != null) {
            if (w < 0 || w > 1) {
                fields.error("recipe.weightDecay", "must be in [0, 1], got " + w);
            } else {
                wd = w;
            }
        }
        int warmup = Math.min(d.warmupEpochs(), epochs - 1);
        Integer wu = fields.integer(node, "warmupEpochs", "recipe.", 0, 1000);
        if (wu != null) {
            if (wu > 0 && wu >= epochs) {
                fields.error("recipe.warmupEpochs", "must be below epochs (" + epochs + "), got " + wu);
            } else {
                warmup = wu;
            }
        }
        double warmupLr = SpecFields.or(fields.positive(node, "warmupLearningRate", "recipe.", 10), d.warmupLearningRate());
        boolean augment = fields.present(node, "augment") ? fields.bool(node, "augment", "recipe.") : d.augment();
        String sampling = fields.choice(node, "sampling", "recipe.", d.sampling(), Set.of("per-task", "mixed"),
                "per-task or mixed");
        String batchPer = fields.choice(node, "batchPer", "recipe.", d.batchPer(),
                Set.of(Recipe.PER_TASK, Recipe.PER_STEP),
                "task (batchSize images of each task a step, our reading of the paper) or step (batchSize images a "
                        + "step, shared among its tasks)");
        String precision = fields.choice(node, "precision", "recipe.", d.precision(),
                Set.of(Recipe.FP32, Recipe.BF16),
                "fp32 (float32 throughout, the default) or bf16 (the frozen CLIP's block products in bfloat16; needs "
                        + "a GPU or a CPU with AVX-512 BF16 or AMX)");
        Double maxGradNorm = fields.positive(node, "maxGradNorm", "recipe.", 1e6);
        return new Recipe(epochs, batch, lr, momentum, wd, warmup, warmupLr, augment, sampling, batchPer, precision,
                maxGradNorm == null ? d.maxGradNorm() : maxGradNorm);
    }

    PromptSettings prompt(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return PromptSettings.defaults();
        }
        if (!node.isObject()) {
            fields.error("prompt", "must be an object {length, depth, m, n, contextInit, sourcePerLayer}");
            return PromptSettings.defaults();
        }
        fields.known(node, "prompt.", "length", "depth", "m", "n", "contextInit", "sourcePerLayer");
        Boolean sourcePerLayer = fields.present(node, "sourcePerLayer") ? fields.bool(node, "sourcePerLayer", "prompt.") : null;
        return new PromptSettings(SpecFields.or(fields.integer(node, "length", "prompt.", 0, 64), 0), SpecFields.or(fields.integer(node, "depth", "prompt.", 0, 48), 0),
                SpecFields.or(fields.integer(node, "m", "prompt.", 0, 64), 0), SpecFields.or(fields.integer(node, "n", "prompt.", 0, 4096), 0),
                contextInit(node), sourcePerLayer);
    }

    /** CoOp's starting words: plain words whose tokens fit its context (at most 64, as {@code length}). */
    private String contextInit(JsonNode node) {
        if (!fields.present(node, "contextInit")) {
            return null;
        }
        String words = fields.text(node, "contextInit", "prompt.");
        if (words == null) {
            return null;
        }
        words = words.trim().replaceAll("\\s+", " ");
        if (!CONTEXT_WORDS.matcher(words).matches()) {
            fields.error("prompt.contextInit", "'" + words + "' must be plain words (letters, digits, spaces, - and '), "
                    + "as \"a photo of a\"");
            return null;
        }
        int tokens = ClipTokenizer.bundled().encode(words).size();
        if (tokens > 64) {
            fields.error("prompt.contextInit", "'" + words + "' is " + tokens + " tokens; CoOp's context holds at most 64");
            return null;
        }
        return words;
    }

    private static final Pattern CONTEXT_WORDS = Pattern.compile("[\\p{L}\\p{N}'-]+( [\\p{L}\\p{N}'-]+)*");
}
