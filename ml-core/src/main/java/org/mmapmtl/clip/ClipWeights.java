package org.mmapmtl.clip;

import org.mmapmtl.safetensors.DType;
import org.mmapmtl.safetensors.Safetensors;
import org.mmapmtl.safetensors.SafetensorsContent;
import org.mmapmtl.safetensors.SafetensorsFormatException;
import org.mmapmtl.safetensors.Tensor;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CLIP weights by OpenAI/open_clip key name, checked against the architecture they imply. Reads safetensors with
 * OpenAI names or with Hugging Face {@code CLIPModel} names, and OpenAI's TorchScript archives (separate q/k/v projections are stacked into
 * {@code in_proj}, projection matrices transposed).
 */
public record ClipWeights(String source, ClipConfig config, Map<String, Tensor> tensors, Map<String, String> metadata) {

    /** Reads safetensors, or a TorchScript archive ({@code .pt}, {@code .pth}) such as OpenAI's released models. */
    public static ClipWeights read(Path file) {
        SafetensorsContent content = TorchScriptArchive.isTorchScript(file)
                ? new SafetensorsContent(file.toString(), Map.of(), TorchScriptArchive.parameters(file))
                : Safetensors.read(file);
        Map<String, Tensor> tensors = content.tensors().containsKey(HuggingFaceNames.MARKER)
                ? HuggingFaceNames.toOpenAi(content) : content.tensors();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        tensors.forEach((name, t) -> shapes.put(name, t.shape()));
        ClipConfig config = ClipConfig.infer(shapes, content.metadata(), content.source());
        checkShapes(config, tensors, content.source());
        return new ClipWeights(content.source(), config, tensors, content.metadata());
    }

    /** Every tensor the model reads, with the shape the configuration requires. */
    public static Map<String, long[]> expectedShapes(ClipConfig c) {
        Map<String, long[]> e = new LinkedHashMap<>();
        var v = c.vision();
        e.put("visual.conv1.weight", new long[] {v.width(), 3, v.patchSize(), v.patchSize()});
        e.put("visual.class_embedding", new long[] {v.width()});
        e.put("visual.positional_embedding", new long[] {(long) v.grid() * v.grid() + 1, v.width()});
        e.put("visual.ln_pre.weight", new long[] {v.width()});
        e.put("visual.ln_pre.bias", new long[] {v.width()});
        blocks(e, "visual.transformer.resblocks.", v.layers(), v.width());
        e.put("visual.ln_post.weight", new long[] {v.width()});
        e.put("visual.ln_post.bias", new long[] {v.width()});
        e.put("visual.proj", new long[] {v.width(), c.embedDim()});
        var t = c.text();
        e.put("token_embedding.weight", new long[] {t.vocabSize(), t.width()});
        e.put("positional_embedding", new long[] {t.contextLength(), t.width()});
        blocks(e, "transformer.resblocks.", t.layers(), t.width());
        e.put("ln_final.weight", new long[] {t.width()});
        e.put("ln_final.bias", new long[] {t.width()});
        e.put("text_projection", new long[] {t.width(), c.embedDim()});
        e.put("logit_scale", new long[] {});
        return e;
    }

    private static void blocks(Map<String, long[]> e, String prefix, int layers, int width) {
        for (int i = 0; i < layers; i++) {
            String p = prefix + i + ".";
            e.put(p + "ln_1.weight", new long[] {width});
            e.put(p + "ln_1.bias", new long[] {width});
            e.put(p + "attn.in_proj_weight", new long[] {3L * width, width});
            e.put(p + "attn.in_proj_bias", new long[] {3L * width});
            e.put(p + "attn.out_proj.weight", new long[] {width, width});
            e.put(p + "attn.out_proj.bias", new long[] {width});
            e.put(p + "ln_2.weight", new long[] {width});
            e.put(p + "ln_2.bias", new long[] {width});
            e.put(p + "mlp.c_fc.weight", new long[] {4L * width, width});
            e.put(p + "mlp.c_fc.bias", new long[] {4L * width});
            e.put(p + "mlp.c_proj.weight", new long[] {width, 4L * width});
            e.put(p + "mlp.c_proj.bias", new long[] {width});
        }
    }

    private static void checkShapes(ClipConfig config, Map<String, Tensor> tensors, String source) {
        for (var entry : expectedShapes(config).entrySet()) {
            Tensor t = tensors.get(entry.getKey());
            if (t == null) {
                throw new SafetensorsFormatException(source + ": missing tensor '" + entry.getKey() + "' of shape "
                        + Arrays.toString(entry.getValue()));
            }
            long[] shape = t.shape();
            // the reference stores logit_scale as a 0-d tensor; some exports use shape [1]
            boolean scalarOk = entry.getValue().length == 0 && t.elementCount() == 1;
            if (!scalarOk && !Arrays.equals(shape, entry.getValue())) {
                throw new SafetensorsFormatException(source + ": tensor '" + entry.getKey() + "' has shape "
                        + Arrays.toString(shape) + ", expected " + Arrays.toString(entry.getValue()));
            }
            if (t.dtype() != DType.F32 && t.dtype() != DType.F16 && t.dtype() != DType.BF16 && t.dtype() != DType.F64) {
                throw new SafetensorsFormatException(source + ": tensor '" + entry.getKey() + "' has dtype "
                        + t.dtype() + ", expected a floating-point type");
            }
        }
    }

    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new SafetensorsFormatException(source + ": missing tensor '" + name + "'");
        }
        return t;
    }
}
