package org.mmapmtl.trainer.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A run claimed for the first time in this database may find an earlier run's files under its id (the database wiped,
 * the artifacts kept): they are moved aside instead of resumed from and announced as this run's checkpoints.
 */
class StaleRunFolderTest {
    @TempDir
    Path artifacts;

    @Test
    void anEarlierRunsFilesAreMovedAsideAndNothingElseIs() throws Exception {
        Path runDir = artifacts.resolve("exp").resolve("exp.mmap.s1");
        assertThat(RunWorker.moveAside(runDir)).as("no folder").isNull();
        Files.createDirectories(runDir);
        assertThat(RunWorker.moveAside(runDir)).as("an empty folder").isNull();
        Files.writeString(runDir.resolve("epoch-1.safetensors"), "an earlier run's checkpoint");
        Path stale = RunWorker.moveAside(runDir);
        assertThat(stale).isNotNull().hasParent(runDir.getParent());
        assertThat(stale.getFileName().toString()).startsWith("exp.mmap.s1.stale-");
        assertThat(stale.resolve("epoch-1.safetensors")).hasContent("an earlier run's checkpoint");
        assertThat(runDir).doesNotExist();
    }
}
