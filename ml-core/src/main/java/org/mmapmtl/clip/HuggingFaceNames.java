package org.mmapmtl.clip;

import org.mmapmtl.safetensors.SafetensorsContent;
import org.mmapmtl.safetensors.SafetensorsFormatException;
import org.mmapmtl.safetensors.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Maps Hugging Face {@code CLIPModel} tensor names onto the OpenAI names the model reads. */
final class HuggingFaceNames {
    static final String MARKER = "text_model.embeddings.token_embedding.weight";
    private static final Pattern LAYER = Pattern.compile("(text|vision)_model\\.encoder\\.layers\\.(\\d+)\\.(.+)");
    private static final Map<String, String> FIXED = Map.ofEntries(
            Map.entry("text_model.embeddings.token_embedding.weight", "token_embedding.weight"),
            Map.entry("text_model.embeddings.position_embedding.weight", "positional_embedding"),
            Map.entry("text_model.final_layer_norm.weight", "ln_final.weight"),
            Map.entry("text_model.final_layer_norm.bias", "ln_final.bias"),
            Map.entry("vision_model.embeddings.class_embedding", "visual.class_embedding"),
            Map.entry("vision_model.embeddings.patch_embedding.weight", "visual.conv1.weight"),
            Map.entry("vision_model.embeddings.position_embedding.weight", "visual.positional_embedding"),
            Map.entry("vision_model.pre_layrnorm.weight", "visual.ln_pre.weight"),
            Map.entry("vision_model.pre_layrnorm.bias", "visual.ln_pre.bias"),
            Map.entry("vision_model.post_layernorm.weight", "visual.ln_post.weight"),
            Map.entry("vision_model.post_layernorm.bias", "visual.ln_post.bias"),
            Map.entry("logit_scale", "logit_scale"));
    private static final Map<String, String> IN_LAYER = Map.of(
            "layer_norm1.weight", "ln_1.weight", "layer_norm1.bias", "ln_1.bias",
            "layer_norm2.weight", "ln_2.weight", "layer_norm2.bias", "ln_2.bias",
            "self_attn.out_proj.weight", "attn.out_proj.weight", "self_attn.out_proj.bias", "attn.out_proj.bias",
            "mlp.fc1.weight", "mlp.c_fc.weight", "mlp.fc1.bias", "mlp.c_fc.bias",
            "mlp.fc2.weight", "mlp.c_proj.weight", "mlp.fc2.bias", "mlp.c_proj.bias");

    private HuggingFaceNames() {
    }

    static Map<String, Tensor> toOpenAi(SafetensorsContent content) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : content.tensors().entrySet()) {
            String name = e.getKey();
            if (FIXED.containsKey(name)) {
                out.put(FIXED.get(name), e.getValue());
                continue;
            }
            Matcher m = LAYER.matcher(name);
            if (m.matches() && IN_LAYER.containsKey(m.group(3))) {
                out.put(prefix(m) + IN_LAYER.get(m.group(3)), e.getValue());
            }
        }
        // q, k and v projections become the stacked in_proj of nn.MultiheadAttention
        for (var e : content.tensors().entrySet()) {
            Matcher m = LAYER.matcher(e.getKey());
            if (m.matches() && m.group(3).equals("self_attn.q_proj.weight")) {
                String base = e.getKey().substring(0, e.getKey().length() - "q_proj.weight".length());
                for (String kind : new String[] {"weight", "bias"}) {
                    Tensor q = content.tensor(base + "q_proj." + kind);
                    Tensor k = content.tensor(base + "k_proj." + kind);
                    Tensor v = content.tensor(base + "v_proj." + kind);
                    out.put(prefix(m) + "attn.in_proj_" + kind, stackRows(q, k, v));
                }
            }
        }
        out.put("text_projection", transpose(content.tensor("text_projection.weight"), content.source()));
        out.put("visual.proj", transpose(content.tensor("visual_projection.weight"), content.source()));
        return out;
    }

    private static String prefix(Matcher m) {
        return (m.group(1).equals("vision") ? "visual." : "") + "transformer.resblocks." + m.group(2) + ".";
    }

    private static Tensor stackRows(Tensor q, Tensor k, Tensor v) {
        float[] a = q.toFloats();
        float[] b = k.toFloats();
        float[] c = v.toFloats();
        float[] all = new float[a.length + b.length + c.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        System.arraycopy(c, 0, all, a.length + b.length, c.length);
        long[] shape = q.shape();
        shape[0] *= 3;
        return Tensor.ofFloats(shape, all);
    }

    private static Tensor transpose(Tensor t, String source) {
        long[] s = t.shape();
        if (s.length != 2) {
            throw new SafetensorsFormatException(source + ": a projection weight must be 2-D, got rank " + s.length);
        }
        int rows = (int) s[0];
        int cols = (int) s[1];
        float[] in = t.toFloats();
        float[] out = new float[in.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = in[r * cols + c];
            }
        }
        return Tensor.ofFloats(new long[] {cols, rows}, out);
    }
}
