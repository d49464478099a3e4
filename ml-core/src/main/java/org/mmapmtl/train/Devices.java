package org.mmapmtl.train;

import ai.djl.Device;
import ai.djl.engine.Engine;

import java.util.Locale;

/** The device named by configuration ({@code MMAP_DEVICE}, {@code mmap.device}, {@code --device}). */
public final class Devices {
    private Devices() {
    }

    /**
     * @param name {@code cpu} or {@code gpu} (any case)
     * @throws IllegalStateException naming the setting and what to do, for another name or a GPU the engine lacks
     */
    public static Device named(String name) {
        String d = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        if (d.equals("cpu")) {
            return Device.cpu();
        }
        if (d.equals("gpu")) {
            if (Engine.getInstance().getGpuCount() == 0) {
                throw new IllegalStateException("MMAP_DEVICE=gpu, but the PyTorch engine sees no GPU: build with -Pcuda, "
                        + "point PYTORCH_LIBRARY_PATH at a CUDA libtorch, or set MMAP_DEVICE=cpu");
            }
            return Device.gpu();
        }
        throw new IllegalStateException("MMAP_DEVICE=" + name + ": use cpu or gpu");
    }
}
