package org.mmapmtl.clip;

import org.mmapmtl.safetensors.SafetensorsFormatException;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shape of a ViT CLIP, inferred from its weights as the reference {@code build_model} does.
 * Heads are width / 64 unless the weights' metadata names them ({@code clip.vision_heads}, {@code clip.text_heads}),
 * which tiny test configurations need.
 */
public record ClipConfig(int embedDim, Vision vision, Text text) {

    public record Vision(int width, int layers, int heads, int patchSize, int resolution) {
        public int grid() {
            return resolution / patchSize;
        }
    }

    public record Text(int width, int layers, int heads, int contextLength, int vocabSize) {
    }

    private static final Pattern VISION_BLOCK = Pattern.compile("visual\\.transformer\\.resblocks\\.(\\d+)\\.attn\\.in_proj_weight");
    private static final Pattern TEXT_BLOCK = Pattern.compile("transformer\\.resblocks\\.(\\d+)\\.attn\\.in_proj_weight");

    /** @param shapes tensor shapes by OpenAI key name */
    static ClipConfig infer(Map<String, long[]> shapes, Map<String, String> metadata, String source) {
        long[] conv = require(shapes, "visual.conv1.weight", 4, source);
        int visionWidth = (int) conv[0];
        int patch = (int) conv[3];
        long positions = require(shapes, "visual.positional_embedding", 2, source)[0];
        int grid = (int) Math.round(Math.sqrt(positions - 1));
        if (grid * grid + 1 != positions) {
            throw new SafetensorsFormatException(source + ": visual.positional_embedding has " + positions
                    + " rows, expected a square grid + 1 (class token)");
        }
        int visionLayers = countLayers(shapes, VISION_BLOCK);
        int embedDim = (int) require(shapes, "text_projection", 2, source)[1];
        int context = (int) require(shapes, "positional_embedding", 2, source)[0];
        int vocab = (int) require(shapes, "token_embedding.weight", 2, source)[0];
        int textWidth = (int) require(shapes, "ln_final.weight", 1, source)[0];
        int textLayers = countLayers(shapes, TEXT_BLOCK);
        if (visionLayers == 0 || textLayers == 0) {
            throw new SafetensorsFormatException(source + ": no residual blocks found (visual.transformer.resblocks.N / "
                    + "transformer.resblocks.N): only ViT CLIP weights are supported");
        }
        int visionHeads = heads(metadata, "clip.vision_heads", visionWidth, source);
        int textHeads = heads(metadata, "clip.text_heads", textWidth, source);
        return new ClipConfig(embedDim, new Vision(visionWidth, visionLayers, visionHeads, patch, patch * grid),
                new Text(textWidth, textLayers, textHeads, context, vocab));
    }

    private static int heads(Map<String, String> metadata, String key, int width, String source) {
        String configured = metadata.get(key);
        int heads = configured != null ? Integer.parseInt(configured) : width / 64;
        if (heads < 1 || width % heads != 0) {
            throw new SafetensorsFormatException(source + ": width " + width + " cannot be split into " + heads
                    + " heads; set metadata " + key + " to a divisor of the width");
        }
        return heads;
    }

    private static long[] require(Map<String, long[]> shapes, String name, int rank, String source) {
        long[] shape = shapes.get(name);
        if (shape == null) {
            throw new SafetensorsFormatException(source + ": missing tensor '" + name + "' (not CLIP weights?)");
        }
        if (shape.length != rank) {
            throw new SafetensorsFormatException(source + ": tensor '" + name + "' has rank " + shape.length
                    + ", expected " + rank);
        }
        return shape;
    }

    private static int countLayers(Map<String, long[]> shapes, Pattern block) {
        int layers = 0;
        for (String key : shapes.keySet()) {
            Matcher m = block.matcher(key);
            if (m.matches()) {
                layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
            }
        }
        return layers;
    }
}
