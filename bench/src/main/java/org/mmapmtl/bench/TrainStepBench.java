package org.mmapmtl.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mmapmtl.clip.ClipArchitecture;
import org.mmapmtl.train.Sgd;
import org.mmapmtl.train.TrainStep;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
        ObjectNode result = new ObjectMapper().createObjectNode();
        try (BenchModel m = BenchModel.create(arch, methodName, classes, device);
             Sgd sgd = new Sgd(0.9, 5e-4, device);
             NDManager root = NDManager.newBaseManager(device)) {
            if (m.method.parameters().isEmpty()) {
                throw new IllegalArgumentException(methodName + " has nothing to train; pick a trainable method");
            }
            TrainStep step = new TrainStep(m.model, sgd);
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
            result.put("method", m.spec.name());
            result.put("trainableParameters", m.method.parameters().count());
            result.put("classes", classes);
            result.put("stepMs", median);
            result.put("imagesPerSecond", batch * 1000.0 / median);
            var rss = result.putArray("residentMiBAfterEachStep");
            resident.forEach(rss::add);
            log.printf("%s %s %s batch %d, %d classes: %.0f ms/step, %.2f images/s, resident MiB after each step %s%n",
                    arch.label(), m.spec.name(), device, batch, classes, median, batch * 1000.0 / median, resident);
        }
        BenchResults.write(result, out, log);
        return result;
    }
}
