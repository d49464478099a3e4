package org.mmapmtl.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mmapmtl.clip.ClipArchitecture;
import org.mmapmtl.clip.ClipInitializer;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.prompt.MethodSpec;
import org.mmapmtl.prompt.PromptMethod;
import org.mmapmtl.prompt.PromptedClip;
import org.mmapmtl.tokenizer.ClipTokenizer;
import org.mmapmtl.train.Sgd;
import org.mmapmtl.train.TrainStep;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Milliseconds per training step of one method on one task (random CLIP weights of the architecture, random pixels and
 * labels, so decoding is not measured: `bench data` does that): forward over the batch and over every class's text,
 * cross-entropy, backward, SGD with momentum and weight decay, exactly as {@link TrainStep} does inside the trainer.
 * bench/pytorch_train_step.py takes the same step in PyTorch eager.
 */
public final class TrainStepBench {
    private TrainStepBench() {
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
            try (ClipModel clip = ClipModel.load(ClipWeights.read(weights), device);
                 PromptMethod method = PromptMethod.create(spec, clip, tokenizer, tasks, groups, 0);
                 PromptedClip model = new PromptedClip(clip, method, tokenizer, classNames);
                 Sgd sgd = new Sgd(0.9, 5e-4, device);
                 NDManager root = NDManager.newBaseManager(device)) {
                if (method.parameters().isEmpty()) {
                    throw new IllegalArgumentException(methodName + " has nothing to train; pick a trainable method");
                }
                TrainStep step = new TrainStep(model, sgd);
                int r = arch.config().vision().resolution();
                long[] counter = {0};
                List<Long> resident = new ArrayList<>();
                double[] ms = BenchResults.time(iterations, () -> {
                    try (NDManager scope = root.newSubManager()) {
                        NDArray pixels = scope.randomNormal(new Shape(batch, 3, r, r));
                        NDArray labels = scope.randomInteger(0, classes, new Shape(batch), DataType.INT64);
                        step.run(scope, List.of(new TrainStep.TaskBatch(0, pixels, labels)), 0.0035, false, counter[0]++);
                    }
                    resident.add(BenchResults.residentMiB());
                });
                double median = BenchResults.median(ms);
                BenchResults.djlHeader(result, "train-step", arch.label(), device, batch, iterations);
                result.put("method", spec.name());
                result.put("trainableParameters", method.parameters().count());
                result.put("classes", classes);
                result.put("stepMs", median);
                result.put("imagesPerSecond", batch * 1000.0 / median);
                var rss = result.putArray("residentMiBAfterEachStep");
                resident.forEach(rss::add);
                log.printf("%s %s %s batch %d, %d classes: %.0f ms/step, %.2f images/s, resident MiB after each step %s%n",
                        arch.label(), spec.name(), device, batch, classes, median, batch * 1000.0 / median, resident);
            }
        } finally {
            Files.deleteIfExists(weights);
        }
        BenchResults.write(result, out, log);
        return result;
    }
}
