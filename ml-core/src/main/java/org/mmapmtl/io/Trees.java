package org.mmapmtl.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Folder trees written for a while: a generated world, a model written out, a bench's images. */
public final class Trees {
    private Trees() {
    }

    /**
     * Deletes a folder and everything under it; nothing happens for null or a path that does not exist.
     *
     * @throws UncheckedIOException naming the folder, where it cannot be walked
     */
    public static void delete(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the folder when the JVM ends, so that temporary folders do not pile up run after run. */
    public static void deleteOnExit(Path root) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                delete(root);
            } catch (UncheckedIOException ignored) {
                // the JVM is ending; whatever is left is only a temporary folder
            }
        }, "delete " + root.getFileName()));
    }
}
