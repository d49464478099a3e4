package org.mmapmtl.clip;

import org.mmapmtl.safetensors.Safetensors;
import org.mmapmtl.safetensors.Tensor;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random CLIP weights with the reference's initialization: the text transformer as {@code initialize_parameters}
 * (normal with attention/projection/fc standard deviations), the vision tower as the PyTorch module defaults the
 * reference leaves in place (scaled normal embeddings, Xavier-uniform in_proj, Kaiming-uniform linears and conv),
 * LayerNorms at 1/0, logit_scale ln(1/0.07). Keys are the OpenAI names; heads are written to the metadata.
 */
public final class ClipInitializer {
    private ClipInitializer() {
    }

    public static Map<String, Tensor> initialize(ClipConfig c, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Tensor> t = new LinkedHashMap<>();
        var v = c.vision();
        double visionScale = Math.pow(v.width(), -0.5);
        int convFanIn = 3 * v.patchSize() * v.patchSize();
        t.put("visual.conv1.weight", uniform(random, 1 / Math.sqrt(convFanIn), v.width(), 3, v.patchSize(), v.patchSize()));
        t.put("visual.class_embedding", normal(random, visionScale, v.width()));
        t.put("visual.positional_embedding", normal(random, visionScale, (long) v.grid() * v.grid() + 1, v.width()));
        t.put("visual.ln_pre.weight", constant(1, v.width()));
        t.put("visual.ln_pre.bias", constant(0, v.width()));
        for (int i = 0; i < v.layers(); i++) {
            String p = "visual.transformer.resblocks." + i + ".";
            int w = v.width();
            t.put(p + "ln_1.weight", constant(1, w));
            t.put(p + "ln_1.bias", constant(0, w));
            t.put(p + "attn.in_proj_weight", uniform(random, Math.sqrt(6.0 / (w + 3 * w)), 3L * w, w));
            t.put(p + "attn.in_proj_bias", constant(0, 3L * w));
            t.put(p + "attn.out_proj.weight", uniform(random, 1 / Math.sqrt(w), w, w));
            t.put(p + "attn.out_proj.bias", constant(0, w));
            t.put(p + "ln_2.weight", constant(1, w));
            t.put(p + "ln_2.bias", constant(0, w));
            t.put(p + "mlp.c_fc.weight", uniform(random, 1 / Math.sqrt(w), 4L * w, w));
            t.put(p + "mlp.c_fc.bias", uniform(random, 1 / Math.sqrt(w), 4L * w));
            t.put(p + "mlp.c_proj.weight", uniform(random, 1 / Math.sqrt(4.0 * w), w, 4L * w));
            t.put(p + "mlp.c_proj.bias", uniform(random, 1 / Math.sqrt(4.0 * w), w));
        }
        t.put("visual.ln_post.weight", constant(1, v.width()));
        t.put("visual.ln_post.bias", constant(0, v.width()));
        t.put("visual.proj", normal(random, visionScale, v.width(), c.embedDim()));

        var x = c.text();
        int w = x.width();
        t.put("token_embedding.weight", normal(random, 0.02, x.vocabSize(), w));
        t.put("positional_embedding", normal(random, 0.01, x.contextLength(), w));
        double projStd = Math.pow(w, -0.5) * Math.pow(2.0 * x.layers(), -0.5);
        double attnStd = Math.pow(w, -0.5);
        double fcStd = Math.pow(2.0 * w, -0.5);
        for (int i = 0; i < x.layers(); i++) {
            String p = "transformer.resblocks." + i + ".";
            t.put(p + "ln_1.weight", constant(1, w));
            t.put(p + "ln_1.bias", constant(0, w));
            t.put(p + "attn.in_proj_weight", normal(random, attnStd, 3L * w, w));
            t.put(p + "attn.in_proj_bias", constant(0, 3L * w));
            t.put(p + "attn.out_proj.weight", normal(random, projStd, w, w));
            t.put(p + "attn.out_proj.bias", constant(0, w));
            t.put(p + "ln_2.weight", constant(1, w));
            t.put(p + "ln_2.bias", constant(0, w));
            t.put(p + "mlp.c_fc.weight", normal(random, fcStd, 4L * w, w));
            t.put(p + "mlp.c_fc.bias", uniform(random, 1 / Math.sqrt(w), 4L * w));
            t.put(p + "mlp.c_proj.weight", normal(random, projStd, w, 4L * w));
            t.put(p + "mlp.c_proj.bias", uniform(random, 1 / Math.sqrt(4.0 * w), w));
        }
        t.put("ln_final.weight", constant(1, w));
        t.put("ln_final.bias", constant(0, w));
        t.put("text_projection", normal(random, Math.pow(w, -0.5), w, c.embedDim()));
        t.put("logit_scale", Tensor.ofFloats(new long[] {}, new float[] {(float) Math.log(1 / 0.07)}));
        return t;
    }

    public static void write(Path file, ClipArchitecture architecture, long seed) {
        ClipConfig c = architecture.config();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("clip.architecture", architecture.label());
        metadata.put("clip.init", "random, reference scheme, seed " + seed);
        metadata.put("clip.vision_heads", Integer.toString(c.vision().heads()));
        metadata.put("clip.text_heads", Integer.toString(c.text().heads()));
        Safetensors.write(file, initialize(c, seed), metadata);
    }

    private static Tensor normal(SplittableRandom random, double std, long... shape) {
        float[] values = new float[(int) Tensor.elementCount(shape)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return Tensor.ofFloats(shape, values);
    }

    private static Tensor uniform(SplittableRandom random, double bound, long... shape) {
        float[] values = new float[(int) Tensor.elementCount(shape)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return Tensor.ofFloats(shape, values);
    }

    private static Tensor constant(float value, long... shape) {
        float[] values = new float[(int) Tensor.elementCount(shape)];
        java.util.Arrays.fill(values, value);
        return Tensor.ofFloats(shape, values);
    }
}
