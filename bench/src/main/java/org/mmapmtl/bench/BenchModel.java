package org.mmapmtl.bench;

import ai.djl.Device;
import org.mmapmtl.clip.ClipArchitecture;
import org.mmapmtl.clip.ClipInitializer;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.clip.Precision;
import org.mmapmtl.experiment.MethodSpec;
import org.mmapmtl.prompt.PromptMethod;
import org.mmapmtl.prompt.PromptedClip;
import org.mmapmtl.tokenizer.ClipTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A prompted CLIP of random weights for {@code tasks} tasks ("task0", ...; the framework's methods put them in one
 * group) and {@code classes} class names ("object 0", ...), as the step benchmarks time it; the weights file it
 * writes is deleted on close.
 */
final class BenchModel implements AutoCloseable {
    final MethodSpec spec;
    final ClipModel clip;
    final PromptMethod method;
    final PromptedClip model;
    private final Path weights;

    private BenchModel(MethodSpec spec, Path weights, ClipModel clip, PromptMethod method, PromptedClip model) {
        this.spec = spec;
        this.weights = weights;
        this.clip = clip;
        this.method = method;
        this.model = model;
    }

    static BenchModel create(ClipArchitecture arch, String methodName, int classes, int taskCount, Device device,
                             Precision precision) throws IOException {
        if (taskCount < 1) {
            throw new IllegalArgumentException("--tasks must be at least 1, got " + taskCount);
        }
        MethodSpec spec = MethodSpec.parse(methodName);
        List<String> tasks = IntStream.range(0, taskCount).mapToObj(i -> "task" + i).toList();
        List<List<String>> groups = spec.sharing() == MethodSpec.Sharing.GROUPED ? List.of(tasks) : List.of();
        List<String> classNames = IntStream.range(0, classes).mapToObj(i -> "object " + i).toList();
        Path weights = Files.createTempFile("bench-" + arch.label(), ".safetensors");
        ClipModel clip = null;
        PromptMethod method = null;
        try {
            ClipInitializer.write(weights, arch, 0);
            ClipTokenizer tokenizer = ClipTokenizer.bundled();
            clip = ClipModel.load(ClipWeights.read(weights), device, precision);
            method = PromptMethod.create(spec, clip, tokenizer, tasks, groups, 0);
            return new BenchModel(spec, weights, clip, method, new PromptedClip(clip, method, tokenizer, classNames));
        } catch (RuntimeException e) {
            if (method != null) {
                method.close();
            }
            if (clip != null) {
                clip.close();
            }
            Files.deleteIfExists(weights);
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        model.close();
        method.close();
        clip.close();
        Files.deleteIfExists(weights);
    }
}
