package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A TorchScript module without parameters, written from its {@code forward} source and compiled by the PyTorch engine
 * when loaded: the way to reach a libtorch op that DJL's NDArray API has no call for, or one whose types DJL cannot
 * name (bfloat16 tensors that are made, used and converted back inside the module never cross DJL's JNI).
 *
 * <p>The archive holds the records {@code torch.jit.save} writes for such a module: {@code data.pkl} (the pickled
 * module object with its two attributes), {@code code/__torch__.py} (its class), an empty {@code constants.pkl} and
 * {@code version}. Its inputs are tensors only, so a flag or a count is passed as a 0-d tensor.
 *
 * <p>{@link #forward} always runs in DJL's training mode: DJL then leaves autograd as the thread has it, so the
 * module's ops are recorded for the backward exactly where DJL's own ops would be, while inference mode would turn
 * recording off even inside a gradient collector.
 */
public final class ScriptModule implements AutoCloseable {
    /**
     * DJL's switch for libtorch's graph executor optimisations, which DJL applies to the calling thread on each
     * forward once it is set. Optimised, a module runs as a differentiable graph that keeps its inputs and
     * intermediates for the backward whether or not they need a gradient: every bfloat16 copy of x in
     * {@link Bf16Linear}, +0.5 GiB on a 4-task ViT-B/16 train step (docs/methods.md). Interpreted, only what autograd
     * needs is kept, and these one- or two-op modules lose nothing to it. A value the user set is left as it is.
     */
    static final String GRAPH_OPTIMIZER = "ai.djl.pytorch.graph_optimizer";
    private final Model model;
    private final Block block;

    private ScriptModule(Model model) {
        this.model = model;
        this.block = model.getBlock();
    }

    /**
     * Compiles a module of class {@code className} whose forward is {@code forward}: TorchScript source starting with
     * {@code def forward(self: __torch__.<className>, ...) -> Tensor:} and indented by two spaces, as in the code records
     * {@code torch.jit.save} writes (dtypes as their numbers: float32 6, bfloat16 15). Sets DJL's
     * {@code ai.djl.pytorch.graph_optimizer} to {@code false} for the JVM unless it is set (see {@link #GRAPH_OPTIMIZER}).
     *
     * @throws IllegalStateException where the engine is not PyTorch
     * @throws IOException           when the archive cannot be written to the temporary folder
     * @throws MalformedModelException when libtorch cannot compile the source
     */
    public static ScriptModule compile(String className, String forward) throws IOException, MalformedModelException {
        if (!className.matches("[A-Z][A-Za-z0-9]*")) {
            throw new IllegalArgumentException("a module's class name is a capitalised identifier, got '" + className + "'");
        }
        if (!"PyTorch".equals(Engine.getInstance().getEngineName())) {
            throw new IllegalStateException("TorchScript modules need DJL's PyTorch engine, not "
                    + Engine.getInstance().getEngineName());
        }
        if (System.getProperty(GRAPH_OPTIMIZER) == null) {
            System.setProperty(GRAPH_OPTIMIZER, "false");
        }
        Path dir = Files.createTempDirectory("mmap-script");
        String name = className.toLowerCase(java.util.Locale.ROOT);
        Path file = dir.resolve(name + ".pt");
        Model model = Model.newInstance(name, Device.cpu(), "PyTorch");
        try {
            write(file, name, className, forward);
            model.load(dir, name);
            return new ScriptModule(model);
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            throw e;
        } finally {
            try {
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // a temporary file left behind is harmless; the module is loaded
            }
        }
    }

    /**
     * {@link #compile} where a module is an optimisation with a fallback: null where the engine is not PyTorch or
     * cannot compile it, with a warning naming {@code fallback}, what runs instead.
     */
    public static ScriptModule compileOrNull(String className, String forward, String fallback) {
        try {
            if (!"PyTorch".equals(Engine.getInstance().getEngineName())) {
                return null;
            }
            return compile(className, forward);
        } catch (Exception | LinkageError e) {
            org.slf4j.LoggerFactory.getLogger(ScriptModule.class).warn("the TorchScript module {} is not available ({}); {}",
                    className, e.toString(), fallback);
            return null;
        }
    }

    /**
     * The module's forward on {@code inputs}, recorded for the backward as DJL's own ops would be. A named input is
     * passed as an unnamed view of itself: DJL hands arrays whose names hold a dot (as CLIP's weights' do) to the
     * module as entries of a dictionary, not as tensors.
     */
    public NDList forward(NDList inputs) {
        NDList plain = new NDList(inputs.size());
        NDList views = new NDList();
        for (NDArray input : inputs) {
            if (input.getName() == null) {
                plain.add(input);
            } else {
                NDArray view = input.reshape(input.getShape());
                views.add(view);
                plain.add(view);
            }
        }
        try {
            return block.forward(new ParameterStore(inputs.head().getManager(), false), plain, true);
        } finally {
            views.close(); // only the Java handles: autograd holds its own references to what it needs
        }
    }

    @Override
    public void close() {
        model.close();
    }

    private static void write(Path file, String root, String className, String forward) throws IOException {
        String code = "class " + className + "(Module):\n"
                + "  __parameters__ = []\n"
                + "  __buffers__ = []\n"
                + "  training : bool\n"
                + "  _is_full_backward_hook : Optional[bool]\n"
                + forward.stripTrailing().indent(2);
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            entry(zip, root + "/data.pkl", moduleObject(className));
            entry(zip, root + "/code/__torch__.py", code.getBytes(StandardCharsets.UTF_8));
            entry(zip, root + "/constants.pkl", new byte[]{(byte) 0x80, 2, ')', '.'}); // an empty tuple
            entry(zip, root + "/version", "3\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * The pickled module (protocol 2): an instance of {@code __torch__.<className>} built with the state
     * {@code {"training": True, "_is_full_backward_hook": None}}.
     */
    private static byte[] moduleObject(String className) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80);
        p.write(2);
        p.writeBytes(("c__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII)); // GLOBAL
        p.writeBytes(new byte[]{'q', 0, ')', (byte) 0x81, '}', '('}); // BINPUT 0, EMPTY_TUPLE, NEWOBJ, EMPTY_DICT, MARK
        text(p, "training");
        p.writeBytes(new byte[]{'q', 1, (byte) 0x88}); // BINPUT 1, NEWTRUE
        text(p, "_is_full_backward_hook");
        p.writeBytes(new byte[]{'q', 2, 'N', 'u', 'b', 'q', 3, '.'}); // BINPUT 2, NONE, SETITEMS, BUILD, BINPUT 3, STOP
        return p.toByteArray();
    }

    private static void text(ByteArrayOutputStream p, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        p.write('X'); // BINUNICODE: a 4-byte little-endian length, then the bytes
        p.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(bytes.length).array());
        p.writeBytes(bytes);
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
