package org.mmapmtl.train;

import org.mmapmtl.experiment.ExperimentSpec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * The CLIP weights file a run starts from: the file the spec names, or for {@code generated:tiny-vN} the tiny CLIP
 * pretrained contrastively on the shape world ({@link ContrastivePretraining}) that ships with ml-core, written out
 * once under the artifacts folder. Its bytes are checked against the SHA-256 recorded here, so an experiment that
 * names a version always starts from the same model. Runs on several trainers may ask at once: a file lock makes one
 * of them write it while the others wait, and the file appears under its name only when complete.
 */
public final class BaseWeights {
    /**
     * The pretrained tiny CLIP of each version: its resource (gzip-compressed when it ends in {@code .gz}) and the
     * SHA-256 of the weights file it holds.
     */
    public record Bundled(String resource, String sha256, String regenerate) {
        boolean compressed() {
            return resource.endsWith(".gz");
        }

        /** The weights file's name under the artifacts folder. */
        String fileName() {
            return compressed() ? resource.substring(0, resource.length() - ".gz".length()) : resource;
        }
    }

    /** Every version ever released; an old version stays here so that its experiments stay reproducible. */
    public static final Map<String, Bundled> VERSIONS = Map.of(
            ExperimentSpec.GENERATED_TINY_V1, new Bundled("tiny-clip-v1.safetensors",
                    "98a7c5b490583cc7da64c2719eae1686f751a48009654ec763e301ec23c2c00b",
                    "./mmap pretrain-tiny --version 1"),
            ExperimentSpec.GENERATED_TINY_V2, new Bundled("tiny-clip-v2.safetensors.gz",
                    "a5260172d7de4493e124f6ea5fe046d646142d63950162bcffded2c7049fc1a2",
                    "./mmap pretrain-tiny --version 2"),
            ExperimentSpec.GENERATED_TINY_V3, new Bundled("tiny-clip-v3.safetensors.gz",
                    "cfbb58ebb7e0dcb98bd54944eac4b207ba360df9989dbdb172d90833f27d91b7",
                    "./mmap pretrain-tiny --version 3"),
            ExperimentSpec.GENERATED_TINY_V4, new Bundled("tiny-clip-v4.safetensors.gz",
                    "633444a4b8e65cdcc0cfdc740da22249391be905238d3f24edc7c14a242e34eb",
                    "./mmap pretrain-tiny --version 4"));

    private BaseWeights() {
    }

    public static Path resolve(String weights, Path artifactsDir, Consumer<String> status) {
        if (!ExperimentSpec.isGenerated(weights)) {
            Path file = Path.of(weights);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("base weights " + file + " do not exist (or are not a file)");
            }
            return file;
        }
        String version = ExperimentSpec.versioned(weights);
        Bundled bundled = VERSIONS.get(version);
        if (bundled == null) {
            throw new IllegalArgumentException("unknown base model '" + weights + "'; this build ships "
                    + String.join(", ", ExperimentSpec.RELEASED_TINY));
        }
        Path dir = artifactsDir.resolve("base");
        Path out = dir.resolve(bundled.fileName());
        try {
            if (Files.isRegularFile(out) && CheckpointFile.sha256(out).equals(bundled.sha256())) {
                return out;
            }
            Files.createDirectories(dir);
            try (FileChannel lockFile = FileChannel.open(dir.resolve(out.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lockFile.lock()) {
                if (Files.isRegularFile(out) && CheckpointFile.sha256(out).equals(bundled.sha256())) {
                    return out; // another trainer wrote it while this one waited
                }
                status.accept("writing the pretrained tiny CLIP " + version + " to " + out);
                Path partial = dir.resolve(out.getFileName() + ".partial");
                try (InputStream in = BaseWeights.class.getResourceAsStream(bundled.resource())) {
                    if (in == null) {
                        throw new IllegalStateException("this build lacks the resource " + bundled.resource() + " of "
                                + version + "; rebuild ml-core (or regenerate it: " + bundled.regenerate() + ")");
                    }
                    Files.copy(bundled.compressed() ? new GZIPInputStream(in) : in, partial,
                            StandardCopyOption.REPLACE_EXISTING);
                }
                String sha = CheckpointFile.sha256(partial);
                if (!sha.equals(bundled.sha256())) {
                    Files.deleteIfExists(partial);
                    throw new IllegalStateException("the bundled " + bundled.resource() + " has SHA-256 " + sha
                            + ", but " + version + " is " + bundled.sha256() + ": the build's copy is damaged; "
                            + "check out ml-core/src/main/resources again");
                }
                try (FileChannel c = FileChannel.open(partial, StandardOpenOption.WRITE)) {
                    c.force(true);
                }
                Files.move(partial, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        }
        return out;
    }
}
