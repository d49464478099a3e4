package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import org.mmapmtl.safetensors.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenAI CLIP architecture (ViT image encoder and causal text transformer) on DJL NDArrays, frozen weights.
 * Activations are batch-first, [batch, tokens, width]; the reference's [tokens, batch, width] is the same math.
 * Every activation is created on the manager of the input it derives from, so a caller that opens a manager per
 * batch and closes it keeps native memory flat; the model's own manager holds only the weights.
 */
public final class ClipModel implements AutoCloseable {
    private static final float LAYER_NORM_EPS = 1e-5f;

    /** One residual attention block; linear weights are stored transposed once, for x · Wᵀ without per-call copies. */
    private record Block(NDArray ln1Weight, NDArray ln1Bias, NDArray inProjT, NDArray inProjBias, NDArray outProjT,
                         NDArray outProjBias, NDArray ln2Weight, NDArray ln2Bias, NDArray fcT, NDArray fcBias,
                         NDArray projT, NDArray projBias) {
    }

    private final ClipConfig config;
    private final NDManager weights;
    private final NDArray conv1;
    private final NDArray classEmbedding;
    private final NDArray visionPositions;
    private final NDArray lnPreWeight;
    private final NDArray lnPreBias;
    private final List<Block> visionBlocks;
    private final NDArray lnPostWeight;
    private final NDArray lnPostBias;
    private final NDArray visualProjection;
    private final NDArray tokenEmbedding;
    private final NDArray textPositions;
    private final List<Block> textBlocks;
    private final NDArray lnFinalWeight;
    private final NDArray lnFinalBias;
    private final NDArray textProjection;
    private final NDArray causalMask;
    private final float logitScale;
    private final Precision precision;
    /**
     * Whether the image tower's last block computes the class token's row only (keys and values from every token),
     * the only row the image features read: the same features for about 6 % less of the tower's work (three quarters
     * of one block in twelve). Off only in tests, to compare with every row.
     */
    private volatile boolean lastBlockFirstRow = true;
    /**
     * With {@link Precision#BF16}: the bfloat16 copy of each frozen block weight, made at its first product and used by
     * the next ones. A weight that trains (BitFit, full fine-tuning) is converted on each product instead, so that its
     * gradient reaches it, and holds no copy. Whatever changes a weight in place must first mark it as trained
     * (setRequiresGradient), as those methods do, or its copy would go stale. A copy lives on its weight's manager, so
     * a frozen weight must never be lent to a step's manager (only trained weights are), or its copy would close with it.
     */
    private final Map<NDArray, NDArray> bf16Weights = new java.util.IdentityHashMap<>();
    private final Map<String, Weight> named = new LinkedHashMap<>();

    /**
     * One weight of the model under its reference name.
     *
     * @param transposed the array holds the transpose of the reference tensor (linear weights, for x · Wᵀ)
     */
    public record Weight(String name, NDArray array, boolean transposed) {
    }

    private ClipModel(ClipWeights w, Device device, Precision precision) {
        this.precision = precision;
        this.config = w.config();
        this.weights = NDManager.newBaseManager(device);
        conv1 = load(w, "visual.conv1.weight");
        classEmbedding = load(w, "visual.class_embedding");
        visionPositions = load(w, "visual.positional_embedding");
        lnPreWeight = load(w, "visual.ln_pre.weight");
        lnPreBias = load(w, "visual.ln_pre.bias");
        visionBlocks = blocks(w, "visual.transformer.resblocks.", config.vision().layers());
        lnPostWeight = load(w, "visual.ln_post.weight");
        lnPostBias = load(w, "visual.ln_post.bias");
        visualProjection = load(w, "visual.proj");
        tokenEmbedding = load(w, "token_embedding.weight");
        textPositions = load(w, "positional_embedding");
        textBlocks = blocks(w, "transformer.resblocks.", config.text().layers());
        lnFinalWeight = load(w, "ln_final.weight");
        lnFinalBias = load(w, "ln_final.bias");
        textProjection = load(w, "text_projection");
        int context = config.text().contextLength();
        // -inf above the diagonal: token i attends to tokens 0..i, as the reference's build_attention_mask
        float[] mask = new float[context * context];
        for (int i = 0; i < context; i++) {
            for (int j = i + 1; j < context; j++) {
                mask[i * context + j] = Float.NEGATIVE_INFINITY;
            }
        }
        causalMask = weights.create(mask, new Shape(context, context));
        logitScale = (float) Math.exp(w.tensor("logit_scale").toFloats()[0]);
    }

    public static ClipModel load(ClipWeights weights, Device device) {
        return new ClipModel(weights, device, Precision.FP32);
    }

    /**
     * The model with its blocks' products in {@code precision} (see {@link Precision}).
     *
     * @throws UnsupportedOperationException where the device cannot multiply in that precision natively
     */
    public static ClipModel load(ClipWeights weights, Device device, Precision precision) {
        precision.requireSupported(device);
        return new ClipModel(weights, device, precision);
    }

    /** As {@link #load(ClipWeights, Device, Precision)} on any hardware (emulated bfloat16 is slow, not wrong): tests. */
    static ClipModel loadOnAnyHardware(ClipWeights weights, Device device, Precision precision) {
        return new ClipModel(weights, device, precision);
    }

    /** Tests: whether the image tower's last block computes every row, as the reference does, or the class token's. */
    void lastBlockFirstRow(boolean firstRowOnly) {
        lastBlockFirstRow = firstRowOnly;
    }

    /** The number type of the blocks' products. */
    public Precision precision() {
        return precision;
    }

    public ClipConfig config() {
        return config;
    }

    public Device device() {
        return weights.getDevice();
    }

    /**
     * How many arrays the model's own manager holds: the weights, the bfloat16 copies of the frozen ones once they
     * have been used, and nothing else a forward pass left behind.
     */
    int heldArrays() {
        return weights.getManagedArrays().size();
    }

    /**
     * Every weight array the forward reads, by reference name (logit_scale excepted: it is a fixed temperature here).
     * BitFit and full fine-tuning train these in place; prompt methods leave them alone.
     */
    public List<Weight> weights() {
        return List.copyOf(named.values());
    }

    /** The reference tensor of a weight: transposed back where the model keeps the transpose. */
    public static Tensor referenceTensor(Weight w) {
        NDArray a = w.transposed() ? w.array().transpose() : w.array();
        Tensor t = Tensor.ofFloats(a.getShape().getShape(), a.toFloatArray());
        if (a != w.array()) {
            a.close();
        }
        return t;
    }

    /**
     * Writes the model's current weights as a CLIP safetensors file with OpenAI names (what full fine-tuning of the
     * whole model produces, e.g. a tiny CLIP pretrained on generated data), heads in the metadata.
     */
    public void save(java.nio.file.Path file, Map<String, String> metadata) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        named.values().forEach(w -> tensors.put(w.name(), referenceTensor(w)));
        tensors.put("logit_scale", Tensor.ofFloats(new long[] {}, new float[] {(float) Math.log(logitScale)}));
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("clip.vision_heads", Integer.toString(config.vision().heads()));
        meta.put("clip.text_heads", Integer.toString(config.text().heads()));
        org.mmapmtl.safetensors.Safetensors.write(file, tensors, meta);
    }

    /**
     * How this JVM computes attention: {@code fused} (libtorch's scaled_dot_product_attention) or {@code unfused}
     * (three ops), as {@code MMAP_ATTENTION} and the engine allow.
     */
    public static String attention() {
        return FusedAttention.instance() != null ? "fused" : "unfused";
    }

    /** exp(logit_scale), the temperature of {@link #logits}. */
    public float logitScale() {
        return logitScale;
    }

    private NDArray load(ClipWeights w, String name) {
        Tensor t = w.tensor(name);
        NDArray array = weights.create(t.toFloats(), new Shape(t.shape()));
        array.setName(name);
        named.put(name, new Weight(name, array, false));
        return array;
    }

    private NDArray loadTransposed(ClipWeights w, String name) {
        NDArray original = load(w, name);
        NDArray transposed = original.transpose().duplicate();
        original.close();
        transposed.setName(name);
        named.put(name, new Weight(name, transposed, true));
        return transposed;
    }

    private List<Block> blocks(ClipWeights w, String prefix, int layers) {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            String p = prefix + i + ".";
            blocks.add(new Block(load(w, p + "ln_1.weight"), load(w, p + "ln_1.bias"),
                    loadTransposed(w, p + "attn.in_proj_weight"), load(w, p + "attn.in_proj_bias"),
                    loadTransposed(w, p + "attn.out_proj.weight"), load(w, p + "attn.out_proj.bias"),
                    load(w, p + "ln_2.weight"), load(w, p + "ln_2.bias"),
                    loadTransposed(w, p + "mlp.c_fc.weight"), load(w, p + "mlp.c_fc.bias"),
                    loadTransposed(w, p + "mlp.c_proj.weight"), load(w, p + "mlp.c_proj.bias")));
        }
        return blocks;
    }

    /** Image features, [batch, embedDim], unnormalized as the reference's encode_image. */
    public NDArray encodeImage(NDArray images) {
        return encodeImage(images, LayerHook.NONE);
    }

    /** @param images [batch, 3, resolution, resolution], preprocessed */
    public NDArray encodeImage(NDArray images, LayerHook hook) {
        var v = config.vision();
        Shape shape = images.getShape();
        if (shape.dimension() != 4 || shape.get(1) != 3 || shape.get(2) != v.resolution()
                || shape.get(3) != v.resolution()) {
            throw new IllegalArgumentException("images must be [batch, 3, " + v.resolution() + ", " + v.resolution()
                    + "] for this CLIP (its resolution), got " + shape + ": preprocess them with ClipPreprocessor");
        }
        long batch = shape.get(0);
        NDArray x = patchEmbedding(images, conv1);
        NDArray cls = images.getManager().zeros(new Shape(batch, 1, v.width())).add(classEmbedding);
        x = cls.concat(x, 1).add(visionPositions);
        x = hook.embedded(x);
        x = layerNorm(x, lnPreWeight, lnPreBias);
        x = transformer(x, visionBlocks, v.heads(), null, hook, true);
        NDArray pooled = layerNorm(x.get(":, 0, :"), lnPostWeight, lnPostBias);
        return pooled.matMul(visualProjection);
    }

    /**
     * The reference's conv1 (a convolution with stride = kernel = patch size, no bias) as one product: each patch's
     * 3·p² pixels as a row times the kernel as a [width, 3·p²] matrix. libtorch's convolution kernel was slower at the
     * same arithmetic (ViT-B/16 with the build's preloads, layout included: 8.6 against 6.5 ms for four images, 164
     * against 86 ms for 64; 10.0 against 2.8 ms in a profiled train step) and gave [B, width, grid²], which the tokens'
     * layout then had to transpose and copy; the rows come out as [B, grid², width] directly.
     *
     * @param images [batch, 3, h, w], h and w multiples of the patch size
     * @param kernel [width, 3, p, p], conv1's weight
     * @return [batch, (h/p)·(w/p), width], the patches in the reference's token order (row by row)
     */
    static NDArray patchEmbedding(NDArray images, NDArray kernel) {
        Shape k = kernel.getShape();
        long width = k.get(0);
        long p = k.get(2);
        Shape s = images.getShape();
        long batch = s.get(0);
        long rows = s.get(2) / p;
        long columns = s.get(3) / p;
        NDArray patches = images.reshape(batch, 3, rows, p, columns, p).transpose(0, 2, 4, 1, 3, 5)
                .reshape(batch * rows * columns, 3 * p * p);
        NDArray matrix = kernel.reshape(width, 3 * p * p);
        // a view made on the kernel's manager (the model's, or the step's where conv1 trains): closed with the batch
        matrix.attach(images.getManager());
        return Linear.linear(patches, matrix).singletonOrThrow().reshape(batch, rows * columns, width);
    }

    /** Text features, [batch, embedDim], unnormalized as the reference's encode_text. */
    public NDArray encodeText(NDArray tokens) {
        return encodeText(tokens, LayerHook.NONE, 0);
    }

    /**
     * @param tokens   [batch, length] int64 ids, length up to the model's context; pooling takes the end-of-text
     *                 token (the largest id). Under the causal mask nothing after end-of-text reaches the pooled
     *                 feature, so tokens cut after the batch's last end-of-text give the same features as the full
     *                 context, for a fraction of the work.
     * @param eotShift how far a hook's inserted tokens moved end-of-text to the right
     */
    public NDArray encodeText(NDArray tokens, LayerHook hook, int eotShift) {
        NDManager scope = tokens.getManager();
        long batch = tokens.getShape().get(0);
        long length = tokens.getShape().get(1);
        if (length < 1 || length > config.text().contextLength()) {
            throw new IllegalArgumentException("tokens have length " + length + ", the model's context is "
                    + config.text().contextLength());
        }
        NDArray x = tokenEmbedding.get(tokens);
        x.attach(scope);
        x = hook.embedded(x);
        if (x.getShape().get(1) != length) {
            throw new IllegalStateException("a text hook changed the embedded length to " + x.getShape().get(1)
                    + "; prompts must overwrite placeholder tokens so the length stays " + length);
        }
        if (length == config.text().contextLength()) {
            x = x.add(textPositions);
        } else {
            NDArray positions = textPositions.get(new NDIndex(":{}", length));
            positions.attach(scope);
            x = x.add(positions);
        }
        x = transformer(x, textBlocks, config.text().heads(), causalMask, hook, false);
        x = layerNorm(x, lnFinalWeight, lnFinalBias);
        long width = x.getShape().get(2);
        long tokensNow = x.getShape().get(1);
        NDArray eot = tokens.argMax(1).add(eotShift);
        NDArray rowStart = scope.arange(0L, batch * tokensNow, tokensNow);
        NDArray pooled = x.reshape(batch * tokensNow, width).get(new NDIndex("{}", rowStart.add(eot)));
        return pooled.matMul(textProjection);
    }

    /**
     * logits_per_image [images, texts]: the scaled cosine similarity of the features. What is derived from the text
     * features here goes to the images' manager: text features often outlive the call (a task's, computed once for a
     * whole evaluation; a frozen text tower's, cached for the model's life), and DJL would otherwise put every call's
     * norm and quotient on their manager until it closes.
     */
    public NDArray logits(NDArray imageFeatures, NDArray textFeatures) {
        NDArray image = imageFeatures.div(imageFeatures.norm(new int[] {1}, true));
        NDArray norm = textFeatures.norm(new int[] {1}, true);
        NDArray text = textFeatures.div(norm);
        NDArray transposed = text.transpose();
        NDManager owner = imageFeatures.getManager();
        if (textFeatures.getManager() != owner) {
            for (NDArray derived : List.of(norm, text, transposed)) {
                derived.attach(owner);
            }
        }
        return Scalars.times(image.matMul(transposed), logitScale);
    }

    /**
     * @param firstRowOut whether only the first token's output is wanted (the image tower's class token, no mask):
     *                    the last block then projects every token's q, k and v but computes the rest for the first
     *                    token only, and returns [batch, 1, width]
     */
    private NDArray transformer(NDArray x, List<Block> blocks, int heads, NDArray mask, LayerHook hook,
                                boolean firstRowOut) {
        for (int i = 0; i < blocks.size(); i++) {
            // A block's temporaries are freed as soon as it ends rather than with the caller's manager: what the
            // backward needs stays alive through the autograd graph's own references and is released as the
            // backward passes, as in PyTorch, so a training step's peak memory is not every intermediate at once.
            try (NDScope blockScope = new NDScope()) {
                NDArray in = hook.beforeBlock(i, x);
                Block b = blocks.get(i);
                boolean firstRow = firstRowOut && i == blocks.size() - 1 && lastBlockFirstRow;
                NDArray attended = attention(layerNorm(in, b.ln1Weight(), b.ln1Bias()), b, heads, mask, firstRow);
                NDArray mid = (firstRow ? in.get(":, :1, :") : in).add(attended);
                x = mlpHalf(mid, b);
                NDScope.unregister(x);
            }
        }
        return x;
    }

    /**
     * mid + c_proj(QuickGELU(c_fc(ln_2(mid)))), the block's second half: in float32 as one {@link Mlp} where the engine
     * has it, else op by op.
     */
    private NDArray mlpHalf(NDArray mid, Block b) {
        if (precision == Precision.FP32) {
            Shape s = mid.getShape();
            long width = s.get(s.dimension() - 1);
            NDArray out = Mlp.applyOrNull(mid.reshape(s.size() / width, width), b.ln2Weight(), b.ln2Bias(), b.fcT(),
                    b.fcBias(), b.projT(), b.projBias());
            if (out != null) {
                return out.reshape(s);
            }
        }
        NDArray x = layerNorm(mid, b.ln2Weight(), b.ln2Bias());
        return mid.add(linear(QuickGelu.apply(linear(x, b.fcT(), b.fcBias())), b.projT(), b.projBias()));
    }

    /**
     * @param mask     the causal mask (text) or null (images): the fused path knows no other mask
     * @param firstRow whether only the first token asks (no mask): [batch, 1, width] comes back
     */
    private NDArray attention(NDArray x, Block b, int heads, NDArray mask, boolean firstRow) {
        if (firstRow && mask != null) {
            throw new IllegalArgumentException("the first token alone is attended without a mask only");
        }
        Shape s = x.getShape();
        long batch = s.get(0);
        long tokens = s.get(1);
        long width = s.get(2);
        long headWidth = width / heads;
        NDArray qkv = linear(x, b.inProjT(), b.inProjBias()).reshape(batch, tokens, 3, heads, headWidth);
        FusedAttention fused = FusedAttention.instance();
        NDArray mixed;
        if (fused != null) {
            mixed = firstRow ? fused.attendFirst(qkv) : fused.attend(qkv, mask != null);
        } else {
            // [B, L, 3, heads, headWidth] -> [3, B, heads, L, headWidth]
            NDArray split = qkv.transpose(2, 0, 3, 1, 4);
            NDArray q = Scalars.times(firstRow ? split.get(0).get(":, :, :1") : split.get(0),
                    (float) (1 / Math.sqrt(headWidth)));
            NDArray scores = q.matMul(split.get(1).transpose(0, 1, 3, 2));
            if (mask != null) {
                NDArray m = mask;
                if (tokens != mask.getShape().get(0)) {
                    m = mask.get(new NDIndex(":{}, :{}", tokens, tokens));
                    m.attach(x.getManager());
                }
                scores = scores.add(m);
            }
            mixed = scores.softmax(-1).matMul(split.get(2)).transpose(0, 2, 1, 3)
                    .reshape(batch, firstRow ? 1 : tokens, width);
        }
        return linear(mixed, b.outProjT(), b.outProjBias());
    }

    /** The bfloat16 copy of a frozen weight (made now if it is the first product), or null for a weight that trains. */
    private NDArray heldBf16(NDArray weight) {
        synchronized (bf16Weights) {
            if (weight.hasGradient()) {
                NDArray unused = bf16Weights.remove(weight); // made while it was frozen (an evaluation before training)
                if (unused != null) {
                    unused.close();
                }
                return null;
            }
            return bf16Weights.computeIfAbsent(weight, w -> {
                NDArray copy = Bf16Linear.toBf16(w);
                NDScope.unregister(copy); // the model's, whatever block scope its first product ran in
                return copy;
            });
        }
    }

    /**
     * x·Wᵀ + bias for a weight kept transposed as [in, out]. The tokens are folded into one matrix first: libtorch's
     * linear adds the bias inside the GEMM (addmm) only for a 2-D input, and a 3-D one costs a GEMM and then a pass
     * over the whole output for the bias.
     */
    private NDArray linear(NDArray x, NDArray transposedWeight, NDArray bias) {
        Shape s = x.getShape();
        long in = s.get(s.dimension() - 1);
        NDArray rows = x.reshape(s.size() / in, in);
        NDArray out;
        if (precision == Precision.BF16) {
            NDArray held = heldBf16(transposedWeight);
            out = held != null ? Bf16Linear.applyHeld(rows, held, bias) : Bf16Linear.apply(rows, transposedWeight, bias);
        } else {
            out = Linear.linear(rows, transposedWeight.transpose(), bias).singletonOrThrow();
        }
        return out.reshape(s.slice(0, s.dimension() - 1).add(out.getShape().get(1)));
    }

    private static NDArray layerNorm(NDArray x, NDArray weight, NDArray bias) {
        return LayerNorm.layerNorm(x, new Shape(weight.getShape().get(0)), weight, bias, LAYER_NORM_EPS).singletonOrThrow();
    }

    @Override
    public void close() {
        weights.close();
    }
}
