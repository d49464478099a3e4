package org.mmapmtl.train;

import org.mmapmtl.clip.ClipArchitecture;
import org.mmapmtl.clip.ClipInitializer;
import org.mmapmtl.data.Dataset;
import org.mmapmtl.data.DatasetException;
import org.mmapmtl.data.Domain;
import org.mmapmtl.data.Split;
import org.mmapmtl.data.SplitRule;
import org.mmapmtl.experiment.DatasetSpec;
import org.mmapmtl.experiment.ExperimentSpec;
import org.mmapmtl.tokenizer.ClipTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * The CLIP weights file a run starts from: the file the spec names, or for {@code generated:tiny} a tiny CLIP that
 * {@link GeneratedPretraining} fine-tunes on the dataset's domains that are not tasks (every image of them), made
 * once per dataset and kept under the artifacts folder. Runs on several trainers may ask at once: a file lock
 * makes one of them build it while the others wait, and the file appears under its name only when complete.
 */
public final class BaseWeights {
    /** TinyWorld's recipe: random tiny CLIP (seed 7), 25 epochs of full fine-tuning, batch 8, lr 0.0035, no augmentation. */
    static final TrainingConfig PRETRAINING = TrainingConfig.paper(3).withEpochs(25).withBatchSize(8)
            .withLearningRate(0.0035, 0).withAugment(false);

    private BaseWeights() {
    }

    /** The domains {@code generated:tiny} pretrains on: the dataset's domains that are not tasks. */
    public static List<String> pretrainingDomains(Dataset dataset, List<String> tasks) {
        return dataset.domains().stream().map(Domain::name).filter(d -> !tasks.contains(d)).toList();
    }

    public static Path resolve(String weights, DatasetSpec dataset, Path artifactsDir, Consumer<String> status) {
        if (!ExperimentSpec.GENERATED_TINY.equals(weights)) {
            Path file = Path.of(weights);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("base weights " + file + " do not exist (or are not a file)");
            }
            return file;
        }
        Dataset data = RunSetup.dataset(dataset);
        List<String> domains = pretrainingDomains(data, dataset.tasks());
        if (domains.isEmpty()) {
            throw new DatasetException(ExperimentSpec.GENERATED_TINY + " pretrains on the dataset's domains that are not "
                    + "tasks, but every domain of " + dataset.root() + " is a task: leave one out of dataset.tasks");
        }
        Path dir = artifactsDir.resolve("base");
        Path out = dir.resolve("generated-tiny-" + key(data, domains) + ".safetensors");
        if (Files.isRegularFile(out)) {
            return out;
        }
        try {
            Files.createDirectories(dir);
            try (FileChannel lockFile = FileChannel.open(dir.resolve(out.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lockFile.lock()) {
                if (Files.isRegularFile(out)) {
                    return out; // another trainer made it while this one waited
                }
                status.accept("pretraining a tiny CLIP on " + domains + " (" + ExperimentSpec.GENERATED_TINY + ")");
                Path random = dir.resolve(out.getFileName() + ".random.partial"); // one per output: locks are per output
                ClipInitializer.write(random, ClipArchitecture.TINY, 7);
                Split all = Split.of(data, new SplitRule.Shots(Integer.MAX_VALUE), 1, false);
                Path partial = dir.resolve(out.getFileName() + ".partial");
                GeneratedPretraining.run(random, ClipTokenizer.bundled(), all, domains, PRETRAINING, partial, r -> { });
                try (FileChannel c = FileChannel.open(partial, StandardOpenOption.WRITE)) {
                    c.force(true);
                }
                Files.move(partial, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                Files.deleteIfExists(random);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + out + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Names the pretrained file by what it was made from, so another dataset never reuses it. */
    private static String key(Dataset data, List<String> domains) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((data.kind() + "\n" + data.root().toAbsolutePath().normalize() + "\n" + domains + "\n"
                    + data.classNames() + "\n" + PRETRAINING).getBytes(StandardCharsets.UTF_8));
            data.domains().stream().filter(d -> domains.contains(d.name())).forEach(d ->
                    d.samples().forEach(s -> sha.update((s.path() + "\n").getBytes(StandardCharsets.UTF_8))));
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
