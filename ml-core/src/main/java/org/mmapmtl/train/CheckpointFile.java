package org.mmapmtl.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.mmapmtl.experiment.MethodSpec;
import org.mmapmtl.prompt.PromptMethod;
import org.mmapmtl.safetensors.Safetensors;
import org.mmapmtl.safetensors.SafetensorsContent;
import org.mmapmtl.safetensors.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training checkpoint: the trainable parameters only (never the frozen CLIP weights, except for the methods that
 * train them), as safetensors that any tool can read, with metadata naming the method, its configuration, the tasks
 * and groups, the seed, the progress and the SHA-256 of the base CLIP weights. Momentum buffers ride along under
 * {@code optimizer/} so that a resumed run continues the same trajectory.
 */
public final class CheckpointFile {
    public static final String SCHEMA = "mmap.weights/1";
    static final String MOMENTUM = "optimizer/momentum/";
    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckpointFile() {
    }

    /** What was written, for the checkpoint event. */
    public record Saved(Path path, String sha256, int epoch, long step, boolean last, long trainableParameters) {
    }

    public record Loaded(String source, Map<String, String> metadata, Map<String, Tensor> parameters,
                         Map<String, Tensor> momentum, long step, int epoch) {

        public MethodSpec spec() {
            MethodSpec parsed = MethodSpec.parse(metadata.get("method"));
            return parsed.withPromptLength(intOf("prompt_length")).withDepth(intOf("depth"))
                    .withFactors(intOf("m"), intOf("n"))
                    // a checkpoint written before the choice existed has one source prompt per layer
                    .withSourcePerLayer(!"false".equals(metadata.get("source_per_layer")));
        }

        public List<String> tasks() {
            return readJson(metadata.get("tasks"), new TypeReference<List<String>>() { }, source);
        }

        public List<List<String>> groups() {
            return readJson(metadata.getOrDefault("groups", "[]"), new TypeReference<List<List<String>>>() { }, source);
        }

        public long seed() {
            return Long.parseLong(metadata.get("seed"));
        }

        public String baseWeightsSha256() {
            return metadata.getOrDefault("base_sha256", "");
        }

        private int intOf(String key) {
            try {
                return Integer.parseInt(metadata.getOrDefault(key, "0"));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(source + ": metadata '" + key + "' must be a whole number, got "
                        + metadata.get(key), e);
            }
        }

        /** Refuses to resume a different run: another method, other tasks, seed, recipe or base weights. */
        void requireSameRun(PromptMethod method, TrainingConfig config, String baseSha256, Map<String, String> extra) {
            String expectedConfig = json(config);
            if (!method.spec().name().equals(metadata.get("method")) || !method.tasks().equals(tasks())
                    || !method.groups().equals(groups()) || !expectedConfig.equals(metadata.get("config"))) {
                throw new IllegalArgumentException(source + " is a checkpoint of " + metadata.get("method") + " on "
                        + tasks() + " with " + metadata.get("config") + "; this run is " + method.spec().name() + " on "
                        + method.tasks() + " with " + expectedConfig + ": resume only the run that wrote it");
            }
            for (Map.Entry<String, String> e : extra.entrySet()) {
                if (!e.getValue().equals(metadata.get(e.getKey()))) {
                    throw new IllegalArgumentException(source + " was written with " + e.getKey() + " "
                            + metadata.get(e.getKey()) + ", not " + e.getValue() + ": resume only the run that wrote it");
                }
            }
            if (!baseWeightsSha256().equals(baseSha256)) {
                throw new IllegalArgumentException(source + " was trained on base weights " + baseWeightsSha256()
                        + ", not on " + baseSha256);
            }
        }
    }

    static Saved write(Path path, PromptMethod method, Sgd sgd, long step, int epoch, boolean last,
                       TrainingConfig config, String baseSha256) {
        return write(path, method, sgd, step, epoch, last, config, baseSha256, Map.of());
    }

    /**
     * Writes to a temporary file, forces it to disk and renames it into place, so that a file under the final name
     * is always whole and durable (it is announced right after).
     *
     * @param extra further metadata (the run's spec), written after the standard keys
     */
    public static Saved write(Path path, PromptMethod method, Sgd sgd, long step, int epoch, boolean last,
                              TrainingConfig config, String baseSha256, Map<String, String> extra) {
        Map<String, Tensor> tensors = new LinkedHashMap<>(method.parameters().toTensors());
        if (sgd != null) {
            sgd.state().forEach((name, t) -> tensors.put(MOMENTUM + name, t));
        }
        MethodSpec spec = PromptMethod.resolve(method.spec(), method.config());
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("schema", SCHEMA);
        meta.put("method", spec.name());
        meta.put("prompt_length", Integer.toString(spec.promptLength()));
        meta.put("depth", Integer.toString(spec.depth()));
        meta.put("m", Integer.toString(spec.m()));
        meta.put("n", Integer.toString(spec.n()));
        meta.put("source_per_layer", Boolean.toString(spec.sourcePerLayer()));
        meta.put("tasks", json(method.tasks()));
        meta.put("groups", json(method.groups()));
        meta.put("seed", Long.toString(config.seed()));
        meta.put("step", Long.toString(step));
        meta.put("epoch", Integer.toString(epoch));
        meta.put("final", Boolean.toString(last));
        meta.put("base_sha256", baseSha256 == null ? "" : baseSha256);
        meta.put("config", json(config));
        meta.put("trainable_params", Long.toString(method.parameters().count()));
        extra.forEach(meta::putIfAbsent);
        try {
            Files.createDirectories(path.toAbsolutePath().getParent());
            Path partial = path.resolveSibling(path.getFileName() + ".partial");
            Safetensors.write(partial, tensors, meta);
            try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(partial, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + path + ": " + e.getMessage(), e);
        }
        return new Saved(path, sha256(path), epoch, step, last, method.parameters().count());
    }

    public static Loaded read(Path path) {
        SafetensorsContent content = Safetensors.read(path);
        Map<String, String> meta = content.metadata();
        if (!SCHEMA.equals(meta.get("schema"))) {
            throw new IllegalArgumentException(path + " is not an mmap checkpoint (metadata schema is "
                    + meta.get("schema") + ", expected " + SCHEMA + ")");
        }
        Map<String, Tensor> parameters = new LinkedHashMap<>();
        Map<String, Tensor> momentum = new LinkedHashMap<>();
        content.tensors().forEach((name, t) -> {
            if (name.startsWith(MOMENTUM)) {
                momentum.put(name.substring(MOMENTUM.length()), t);
            } else {
                parameters.put(name, t);
            }
        });
        if (meta.get("method") == null || meta.get("tasks") == null) {
            throw new IllegalArgumentException(path + " lacks the metadata 'method' and 'tasks' every checkpoint carries "
                    + "(see the checkpoint format in docs/methods.md)");
        }
        try {
            return new Loaded(path.toString(), meta, parameters, momentum, Long.parseLong(meta.getOrDefault("step", "0")),
                    Integer.parseInt(meta.getOrDefault("epoch", "0")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(path + ": metadata 'step' and 'epoch' must be whole numbers, got "
                    + meta.get("step") + " and " + meta.get("epoch"), e);
        }
    }

    /** Puts a checkpoint's parameters into a method made for the same method, tasks and groups. */
    public static Loaded restore(Path path, PromptMethod method) {
        Loaded loaded = read(path);
        if (!loaded.metadata().get("method").equals(method.spec().name()) || !loaded.tasks().equals(method.tasks())) {
            throw new IllegalArgumentException(path + " holds " + loaded.metadata().get("method") + " for tasks "
                    + loaded.tasks() + ", not " + method.spec().name() + " for " + method.tasks());
        }
        method.parameters().load(loaded.parameters(), path.toString());
        return loaded;
    }

    public static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            byte[] buffer = new byte[1 << 16];
            while (in.read(buffer) >= 0) {
                // the digest stream hashes as it reads
            }
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T readJson(String text, TypeReference<T> type, String source) {
        try {
            return JSON.readValue(text, type);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": unreadable checkpoint metadata " + text + ": " + e.getMessage(), e);
        }
    }
}
