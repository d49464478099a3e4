package org.mmapmtl.trainer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.List;

/**
 * The trainer's configuration: {@code mmap.artifacts-dir}, {@code mmap.data-roots}, {@code mmap.device} (env
 * {@code MMAP_ARTIFACTS_DIR}, {@code MMAP_DATA_ROOTS}, {@code MMAP_DEVICE}) and the worker's {@code mmap.trainer.*}.
 * Plain properties rather than one mapping of all {@code mmap.*}, which would claim other tools' {@code mmap.}
 * system properties as its own.
 */
@ApplicationScoped
public class TrainerSettings {
    /** where checkpoints (and generated base weights) are written; shared by every trainer and the evaluator */
    @ConfigProperty(name = "mmap.artifacts-dir", defaultValue = ".mmap/artifacts")
    String artifactsDir;

    /** the folders datasets and weights may come from; any other path in a spec is refused */
    @ConfigProperty(name = "mmap.data-roots", defaultValue = "data,.mmap")
    List<String> dataRoots;

    /** cpu or gpu */
    @ConfigProperty(name = "mmap.device", defaultValue = "cpu")
    String device;

    @Inject
    WorkerSettings worker;

    public String artifactsDir() {
        return artifactsDir;
    }

    public List<String> dataRoots() {
        return dataRoots;
    }

    public String device() {
        return device;
    }

    public WorkerSettings worker() {
        return worker;
    }
}
