package org.mmapmtl.trainer.experiment;

import org.mmapmtl.clip.ClipArchitecture;
import org.mmapmtl.clip.ClipInitializer;
import org.mmapmtl.data.SyntheticDomains;
import org.mmapmtl.io.Trees;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Files the trainer's tests submit experiments on, under the test data root ({@code %test.mmap.data-roots}):
 * a generated four-domain dataset (4 classes, 8 images per class and domain) and a random tiny CLIP.
 */
final class TestWorld {
    static final Path ROOT = Path.of("target/test-world").toAbsolutePath();
    static final Path DATA = ROOT.resolve("data");
    static final Path WEIGHTS = ROOT.resolve("tiny-random.safetensors");
    static final List<String> TASKS = List.of("photo", "clipart", "sketch", "painting");

    private TestWorld() {
    }

    static synchronized void ensure() {
        try {
            // checkpoints of an earlier test JVM would be resumed by this one's runs of the same ids: start clean, once
            // per JVM (Quarkus reloads this class for every application, so the mark is a system property)
            if (System.getProperty("mmap.test-world.clean") == null) {
                Trees.delete(ROOT.resolve("artifacts"));
                System.setProperty("mmap.test-world.clean", "true");
            }
            Files.createDirectories(ROOT);
            if (!Files.isDirectory(DATA)) {
                Path partial = ROOT.resolve("data.partial");
                SyntheticDomains.generate(partial, 4, 4, 8, 11, 64);
                Files.move(partial, DATA);
            }
            if (!Files.isRegularFile(WEIGHTS)) {
                ClipInitializer.write(WEIGHTS, ClipArchitecture.TINY, 7);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A small experiment's spec: 4 tasks, 50 % split (16 training images per task), batch 4, per-task steps. */
    static String spec(String id, String methods, int epochs) {
        return """
                {"id": "%s", "dataset": {"root": "%s", "percent": 50, "tasks": ["photo", "clipart", "sketch", "painting"]},
                 "weights": "%s", "methods": %s, "seeds": [1],
                 "recipe": {"epochs": %d, "batchSize": 4, "augment": false},
                 "prompt": {"length": 2, "depth": 1, "m": 2, "n": 64},
                 "grouping": {"snapshots": 2}}
                """.formatted(id, DATA, WEIGHTS, methods, epochs);
    }
}
