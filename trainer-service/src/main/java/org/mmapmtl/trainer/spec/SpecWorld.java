package org.mmapmtl.trainer.spec;

import ai.djl.Device;
import org.mmapmtl.clip.Precision;

import java.util.List;

/**
 * What the spec names, as the service that receives it sees it, so that problems with the files are reported
 * together with every other problem of the spec.
 */
public interface SpecWorld {
    /** Judges nothing: the spec's form alone. */
    SpecWorld ANY = new SpecWorld() {
    };

    /** Why a path the spec names (the dataset folder, the weights file) is refused, or null. */
    default String pathProblem(String path, boolean directory) {
        return null;
    }

    /** The domains of the dataset in an accepted folder, or null when they cannot be read. */
    default List<String> domains(String kind, String root) {
        return null;
    }

    /** Whether the trainer's CPU multiplies bfloat16 natively (AVX-512 BF16 or AMX); asked only of bf16 on a CPU. */
    default boolean cpuRunsBf16() {
        return Precision.BF16.runsNativelyOn(Device.cpu());
    }
}
