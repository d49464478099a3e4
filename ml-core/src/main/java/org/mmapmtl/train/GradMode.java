package org.mmapmtl.train;

import ai.djl.engine.Engine;

import java.lang.reflect.Method;

/**
 * PyTorch's grad mode is per thread and on by default. DJL turns it off only on the thread that starts the engine,
 * and a gradient collector restores the mode it found when it closes; so on any other thread (a service's worker, a
 * second application in the same JVM) recording stays on after the first step, and the optimizer's in-place update
 * of a parameter fails ("a leaf Variable that requires grad is being used in an in-place operation"). Each thread
 * that trains or evaluates turns it off first. DJL has no public call for it, hence the reflection.
 */
public final class GradMode {
    private GradMode() {
    }

    public static void offOnThisThread() {
        if (!"PyTorch".equals(Engine.getInstance().getEngineName())) {
            return;
        }
        try {
            Method set = Class.forName("ai.djl.pytorch.jni.JniUtils").getMethod("setGradMode", boolean.class);
            set.invoke(null, false);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot turn PyTorch's grad mode off on this thread: " + e, e);
        }
    }
}
