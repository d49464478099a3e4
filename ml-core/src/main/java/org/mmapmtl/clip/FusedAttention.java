package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Attention as libtorch's fused {@code scaled_dot_product_attention} (on CPU, its flash-attention kernel):
 * softmax(q·kᵀ/√d)·v in one pass over blocks of keys, so the [tokens × tokens] scores are never written out, read
 * back by a softmax and a second batched matmul, nor kept for the backward, which recomputes them from the row
 * maxima. The same math as the three ops, to float rounding.
 *
 * <p>DJL's NDArray API has no call for it, so it is reached through a TorchScript module of that one op, written
 * here as an archive (the layout {@code torch.jit.save} writes for a module without parameters) and compiled by the
 * PyTorch engine when loaded. It is always called in training mode: DJL then leaves autograd as the thread has it,
 * so it records exactly where the three ops would (under a gradient collector, for inputs that need gradients),
 * while inference mode would turn recording off even inside a collector.
 * Where the engine is not PyTorch, cannot compile it, or {@code MMAP_ATTENTION=unfused} (or the system property
 * {@code mmap.attention}) asks for it, {@link #instance()} is null and the model uses the three ops.
 */
final class FusedAttention {
    private static final Logger LOG = LoggerFactory.getLogger(FusedAttention.class);

    /** TorchScript source of the module; {@code causal} is a 0-d bool tensor since a module's inputs are tensors. */
    private static final String CODE = """
            class Attention(Module):
              __parameters__ = []
              __buffers__ = []
              training : bool
              _is_full_backward_hook : Optional[bool]
              def forward(self: __torch__.Attention,
                q: Tensor,
                k: Tensor,
                v: Tensor,
                causal: Tensor) -> Tensor:
                return torch.scaled_dot_product_attention(q, k, v, None, 0., bool(causal))
            """;
    /** The pickled module object: an instance of {@code __torch__.Attention} with its two attributes. */
    private static final String DATA_PKL = "8002635f5f746f7263685f5f0a417474656e74696f6e0a7100"
            + "29817d28580800000074726169" + "6e696e677101885816000000" + "5f69735f66756c6c5f6261636b776172645f686f6f6b"
            + "71024e756271032e";
    /** An empty tuple: the module has no constants. */
    private static final String CONSTANTS_PKL = "8002292e";

    private static final class Holder {
        static final String ASKED = setting();
        static final boolean VALID = ASKED.equals("fused") || ASKED.equals("unfused");
        static final FusedAttention INSTANCE = ASKED.equals("fused") ? load() : null;
    }

    /** Held so that the module stays loaded for the JVM's life. */
    private final Model module;
    private final Block block;
    private final NDManager flags;
    private final NDArray causalFlag;
    private final NDArray fullFlag;

    private FusedAttention(Model module) {
        this.module = module;
        this.block = module.getBlock();
        this.flags = NDManager.newBaseManager(Device.cpu());
        this.causalFlag = flags.create(true);
        this.fullFlag = flags.create(false);
        // first used inside a transformer block's NDScope, which would otherwise close them with the block
        NDScope.unregister(causalFlag, fullFlag);
    }

    /** The setting, trimmed and in lower case; unset or blank means the default, {@code fused}. */
    private static String setting() {
        String value = System.getProperty("mmap.attention", System.getenv("MMAP_ATTENTION"));
        return value == null || value.isBlank() ? "fused" : value.trim().toLowerCase(Locale.ROOT);
    }

    /**
     * The fused attention of this JVM, or null where the three ops must be used.
     *
     * @throws IllegalStateException when the setting is neither {@code fused} nor {@code unfused}: every forward pass
     *                               then stops with this message (a misconfigured process, not a bad input)
     */
    static FusedAttention instance() {
        if (!Holder.VALID) {
            throw new IllegalStateException("MMAP_ATTENTION (or the system property mmap.attention) is '"
                    + Holder.ASKED + "': use fused (the default) or unfused");
        }
        return Holder.INSTANCE;
    }

    /**
     * softmax(q·kᵀ/√d + mask)·v for q, k, v of [batch, heads, tokens, headWidth], the mask causal (token i sees
     * tokens 0..i) or none. Recorded for the backward as the three ops would be.
     */
    NDArray attend(NDArray q, NDArray k, NDArray v, boolean causal) {
        NDList out = block.forward(new ParameterStore(q.getManager(), false),
                new NDList(q, k, v, causal ? causalFlag : fullFlag), true);
        return out.singletonOrThrow();
    }

    private static FusedAttention load() {
        Path dir = null;
        Model module = null;
        try {
            if (!"PyTorch".equals(Engine.getInstance().getEngineName())) {
                return null;
            }
            dir = Files.createTempDirectory("mmap-attention");
            write(dir.resolve("attention.pt"));
            module = Model.newInstance("attention", Device.cpu(), "PyTorch");
            module.load(dir, "attention");
            return new FusedAttention(module);
        } catch (Exception | LinkageError e) {
            if (module != null) {
                module.close();
            }
            LOG.warn("libtorch's fused attention is not available ({}); attention runs as three ops", e.toString());
            return null;
        } finally {
            if (dir != null) {
                try {
                    Files.deleteIfExists(dir.resolve("attention.pt"));
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // a temporary file left behind is harmless
                }
            }
        }
    }

    private static void write(Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            entry(zip, "attention/data.pkl", HexFormat.of().parseHex(DATA_PKL));
            entry(zip, "attention/code/__torch__.py", CODE.getBytes(StandardCharsets.UTF_8));
            entry(zip, "attention/constants.pkl", HexFormat.of().parseHex(CONSTANTS_PKL));
            entry(zip, "attention/version", "3\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Stored, not deflated, as torch.jit.save writes its records. */
    private static void entry(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }
}
