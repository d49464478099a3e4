package org.mmapmtl.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class TreesTest {
    @Test
    void deletesAFolderWithEverythingUnderItAndLeavesItsNeighbours(@TempDir Path dir) throws IOException {
        Path tree = dir.resolve("world");
        Files.createDirectories(tree.resolve("a/b/c"));
        Files.writeString(tree.resolve("a/b/c/image.png"), "x");
        Files.writeString(tree.resolve("a/top.txt"), "y");
        Path neighbour = Files.writeString(dir.resolve("world.txt"), "z");

        Trees.delete(tree);

        assertThat(tree).doesNotExist();
        assertThat(neighbour).exists();
    }

    @Test
    void nothingHappensForNothing(@TempDir Path dir) {
        Trees.delete(null);
        Trees.delete(dir.resolve("never-written"));
        assertThat(dir).exists();
    }
}
