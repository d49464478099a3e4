package org.mmapmtl.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * libtorch's {@code output.backward(gradient, retain_graph)}: a backward from any array, given the gradient that
 * reaches it, that can keep the graph for another backward. DJL's {@code GradientCollector.backward} starts only from a
 * loss, with a gradient of ones, and frees the graph behind it; DJL has no public call for this, hence the reflection
 * into its PyTorch JNI, as {@link GradMode} does.
 */
final class RetainedBackward {
    private static final Method BACKWARD = find();

    private RetainedBackward() {
    }

    /** Whether the engine offers it (DJL's PyTorch engine). */
    static boolean available() {
        return BACKWARD != null;
    }

    /**
     * Adds d(gradient · output)/dθ to the gradient of every parameter θ behind {@code output}.
     *
     * @param keepGraph whether the graph behind {@code output} stays for a later backward through it
     */
    static void run(NDArray output, NDArray gradient, boolean keepGraph) {
        if (BACKWARD == null) {
            throw new IllegalStateException("a backward that keeps its graph needs DJL's PyTorch engine");
        }
        try {
            BACKWARD.invoke(null, output, gradient, keepGraph, false);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Error error) {
                throw error; // an out-of-memory error, say, stays what it is
            }
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot call libtorch's backward: " + e, e);
        }
    }

    private static Method find() {
        try {
            if (!"PyTorch".equals(Engine.getInstance().getEngineName())) {
                return null;
            }
            Class<?> array = Class.forName("ai.djl.pytorch.engine.PtNDArray");
            return Class.forName("ai.djl.pytorch.jni.JniUtils").getMethod("backward", array, array, boolean.class,
                    boolean.class);
        } catch (ReflectiveOperationException | LinkageError e) {
            // a DJL whose JNI has changed: snapshot steps still give the same gradients, at a text forward per task
            org.slf4j.LoggerFactory.getLogger(RetainedBackward.class).warn(
                    "libtorch's backward with retain_graph is not reachable in this DJL ({}); a snapshot step runs a"
                            + " text forward per task", e.toString());
            return null;
        }
    }
}
