package org.mmapmtl.train;

import ai.djl.Device;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.experiment.MethodSpec;
import org.mmapmtl.prompt.PromptMethod;
import org.mmapmtl.safetensors.Safetensors;
import org.mmapmtl.safetensors.SafetensorsContent;
import org.mmapmtl.safetensors.Tensor;
import org.mmapmtl.tokenizer.ClipTokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A prompt learner trained with CoOp's or MaPLe's own code (their {@code prompt_learner} state dict saved as
 * safetensors, with or without the {@code prompt_learner.} prefix) made into a checkpoint of ours that
 * {@code ./mmap predict} reads: CoOp's unified context becomes {@code coop-mt}, MaPLe's first-layer context and
 * projection and its compound prompts and projections become {@code maple-mt} (K = their count + 1). Their projections
 * are {@code nn.Linear}'s [out, in]; ours are stored [in, out], so they are transposed. The frozen buffers CoOp and
 * MaPLe keep beside ({@code token_prefix}, {@code token_suffix}: embeddings of their class texts) are not needed.
 */
public final class PromptImport {
    private static final String PREFIX = "prompt_learner.";
    private static final java.util.Set<String> BUFFERS = java.util.Set.of("token_prefix", "token_suffix");

    public enum Source { COOP, MAPLE }

    /** What was written: the checkpoint, the method it holds, tokens per layer, prompted layers and parameters. */
    public record Imported(Path checkpoint, String method, int tokens, int depth, long parameters) {
    }

    private PromptImport() {
    }

    /**
     * @param foreign     the prompt learner's tensors (safetensors)
     * @param baseWeights the CLIP they were trained on (its widths are checked, its SHA-256 recorded)
     * @param tasks       the task names the checkpoint answers to (the same prompts for each)
     */
    public static Imported run(Source from, Path foreign, Path baseWeights, List<String> tasks, Path out) {
        Map<String, Tensor> theirs = strip(Safetensors.read(foreign), foreign);
        Map<String, Tensor> ours = new LinkedHashMap<>();
        Tensor ctx = require(theirs, "ctx", foreign);
        if (ctx.shape().length == 3) {
            throw new IllegalArgumentException(foreign + ": ctx has shape " + java.util.Arrays.toString(ctx.shape())
                    + ", class-specific contexts (CoOp's CSC); only a unified context [n_ctx, width] can be imported");
        }
        int tokens = (int) ctx.shape()[0];
        int depth;
        String method;
        if (from == Source.COOP) {
            method = "coop-mt";
            depth = 1;
            ours.put("shared/ctx", ctx);
            unexpected(theirs, List.of("ctx"), foreign);
        } else {
            method = "maple-mt";
            List<String> known = new ArrayList<>(List.of("ctx", "proj.weight", "proj.bias"));
            int compound = 0;
            while (theirs.containsKey("compound_prompts_text." + compound)) {
                known.add("compound_prompts_text." + compound);
                known.add("compound_prompt_projections." + compound + ".weight");
                known.add("compound_prompt_projections." + compound + ".bias");
                compound++;
            }
            unexpected(theirs, known, foreign);
            depth = compound + 1;
            ours.put("shared/text.0", ctx);
            for (int i = 0; i < compound; i++) {
                ours.put("shared/text." + (i + 1), require(theirs, "compound_prompts_text." + i, foreign));
            }
            ours.put("shared/proj.0.weight", transposed(require(theirs, "proj.weight", foreign), "proj.weight", foreign));
            ours.put("shared/proj.0.bias", require(theirs, "proj.bias", foreign));
            for (int i = 0; i < compound; i++) {
                String p = "compound_prompt_projections." + i;
                ours.put("shared/proj." + (i + 1) + ".weight", transposed(require(theirs, p + ".weight", foreign), p + ".weight", foreign));
                ours.put("shared/proj." + (i + 1) + ".bias", require(theirs, p + ".bias", foreign));
            }
        }
        MethodSpec spec = MethodSpec.parse(method).withPromptLength(tokens).withDepth(depth);
        try (ClipModel clip = ClipModel.load(ClipWeights.read(baseWeights), Device.cpu());
             PromptMethod prompts = PromptMethod.create(spec, clip, ClipTokenizer.bundled(), tasks, List.of(), 0)) {
            // names and shapes checked against our layout on this CLIP: a width that differs is named with both shapes
            prompts.parameters().load(ours, foreign + " (as " + method + ")");
            CheckpointFile.Saved saved = CheckpointFile.write(out, prompts, null, 0, 0, true, TrainingConfig.paper(0),
                    CheckpointFile.sha256(baseWeights), Map.of("imported_from", from.name().toLowerCase(java.util.Locale.ROOT)
                            + ": " + foreign.getFileName()));
            return new Imported(saved.path(), method, tokens, depth, saved.trainableParameters());
        }
    }

    private static Map<String, Tensor> strip(SafetensorsContent content, Path source) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        content.tensors().forEach((name, t) -> {
            String n = name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : name;
            if (!BUFFERS.contains(n)) {
                out.put(n, t);
            }
        });
        if (out.isEmpty()) {
            throw new IllegalArgumentException(source + " holds no prompt learner tensors (expected prompt_learner.ctx)");
        }
        return out;
    }

    private static Tensor require(Map<String, Tensor> tensors, String name, Path source) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException(source + " lacks " + PREFIX + name + " (has " + new TreeSet<>(tensors.keySet())
                    + "); is it the other method's file?");
        }
        return t;
    }

    private static void unexpected(Map<String, Tensor> tensors, List<String> known, Path source) {
        TreeSet<String> extra = new TreeSet<>(tensors.keySet());
        known.forEach(extra::remove);
        if (!extra.isEmpty()) {
            throw new IllegalArgumentException(source + " holds tensors this import does not know: " + extra
                    + " (a CoOp file holds ctx; a MaPLe file ctx, proj and compound prompts with their projections)");
        }
    }

    /** nn.Linear's [out, in] as ours [in, out]. */
    private static Tensor transposed(Tensor t, String name, Path source) {
        if (t.shape().length != 2) {
            throw new IllegalArgumentException(source + ": " + PREFIX + name + " has shape "
                    + java.util.Arrays.toString(t.shape()) + ", expected a matrix [out, in]");
        }
        int rows = (int) t.shape()[0];
        int cols = (int) t.shape()[1];
        float[] v = t.toFloats();
        float[] r = new float[v.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                r[j * rows + i] = v[i * cols + j];
            }
        }
        return Tensor.ofFloats(new long[] {cols, rows}, r);
    }
}
