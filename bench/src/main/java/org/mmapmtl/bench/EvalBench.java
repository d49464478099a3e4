package org.mmapmtl.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mmapmtl.clip.ClipArchitecture;
import org.mmapmtl.clip.ClipInitializer;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.eval.Evaluator;
import org.mmapmtl.prompt.MethodSpec;
import org.mmapmtl.prompt.PromptMethod;
import org.mmapmtl.prompt.PromptedClip;
import org.mmapmtl.tokenizer.ClipTokenizer;
import org.mmapmtl.train.GradMode;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Images per second of evaluation: one batch of preprocessed test images through a prompted CLIP, scored against every
 * class, without gradients, as {@link Evaluator} does (random weights of the architecture and random pixels; decoding
 * is `bench data`'s, and the evaluator keeps preprocessed images in its cache).
 */
public final class EvalBench {
    private EvalBench() {
    }

    public static ObjectNode run(ClipArchitecture arch, String methodName, int batch, int classes, int iterations,
                                 Device device, Path out, PrintStream log) throws IOException {
        MethodSpec spec = MethodSpec.parse(methodName);
        List<String> tasks = List.of("task");
        List<List<String>> groups = spec.sharing() == MethodSpec.Sharing.GROUPED ? List.of(tasks) : List.of();
        List<String> classNames = IntStream.range(0, classes).mapToObj(i -> "object " + i).toList();
        Path weights = Files.createTempFile("bench-" + arch.label(), ".safetensors");
        ObjectNode result = new ObjectMapper().createObjectNode();
        try {
            ClipInitializer.write(weights, arch, 0);
            ClipTokenizer tokenizer = ClipTokenizer.bundled();
            GradMode.offOnThisThread();
            try (ClipModel clip = ClipModel.load(ClipWeights.read(weights), device);
                 PromptMethod method = PromptMethod.create(spec, clip, tokenizer, tasks, groups, 0);
                 PromptedClip model = new PromptedClip(clip, method, tokenizer, classNames);
                 NDManager root = NDManager.newBaseManager(device)) {
                int r = arch.config().vision().resolution();
                double[] ms = BenchResults.time(iterations, () -> {
                    try (NDManager scope = root.newSubManager()) {
                        method.parameters().bind(scope);
                        NDArray pixels = scope.randomNormal(new Shape(batch, 3, r, r));
                        model.logits(0, pixels).argMax(1).toLongArray();
                    }
                });
                double median = BenchResults.median(ms);
                BenchResults.djlHeader(result, "eval", arch.label(), device, batch, iterations);
                result.put("method", spec.name());
                result.put("classes", classes);
                result.put("batchMs", median);
                result.put("imagesPerSecond", batch * 1000.0 / median);
                log.printf("%s %s %s batch %d, %d classes: %.0f ms/batch, %.1f images/s%n", arch.label(), spec.name(),
                        device, batch, classes, median, batch * 1000.0 / median);
            }
        } finally {
            Files.deleteIfExists(weights);
        }
        BenchResults.write(result, out, log);
        return result;
    }
}
