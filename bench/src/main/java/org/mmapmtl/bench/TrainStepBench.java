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
 * Milliseconds per training step of one method on {@code tasks} tasks, a batch of {@code batch} images each (random
 * CLIP weights of the architecture, random pixels and labels, so decoding is not measured: `bench data` does that):
 * the paper's multi-task step exactly as {@link TrainStep} takes it inside the trainer: forward over the batches and
 * every class's text, cross-entropy, backward, SGD with momentum and weight decay; with {@code snapshot} the step
 * that also keeps each task's gradient (one backward per task), with {@code perTask} the straightforward step that
 * the fused one must equal. bench/pytorch_train_step.py takes the same step in PyTorch eager.
 */
public final class TrainStepBench {
    private TrainStepBench() {
    }

    public static ObjectNode run(ClipArchitecture arch, String methodName, int batch, int classes, int iterations,
                                 Device device, Path out, PrintStream log) throws IOException {
        return run(arch, methodName, batch, classes, 1, false, false, iterations, device, out, log);
    }

    public static ObjectNode run(ClipArchitecture arch, String methodName, int batch, int classes, int tasks,
                                 boolean snapshot, boolean perTask, int iterations, Device device, Path out,
                                 PrintStream log) throws IOException {
        ObjectNode result = new ObjectMapper().createObjectNode();
        try (BenchModel m = BenchModel.create(arch, methodName, classes, tasks, device);
             Sgd sgd = new Sgd(0.9, 5e-4, device);
             NDManager root = NDManager.newBaseManager(device)) {
            if (m.method.parameters().isEmpty()) {
                throw new IllegalArgumentException(methodName + " has nothing to train; pick a trainable method");
            }
            TrainStep step = new TrainStep(m.model, sgd, !perTask);
            int r = arch.config().vision().resolution();
            long[] counter = {0};
            List<Long> resident = new ArrayList<>();
            double[] ms = BenchResults.time(iterations, () -> {
                try (NDManager scope = root.newSubManager()) {
                    List<TrainStep.TaskBatch> batches = new ArrayList<>();
                    for (int t = 0; t < tasks; t++) {
                        batches.add(new TrainStep.TaskBatch(t, scope.randomNormal(new Shape(batch, 3, r, r)),
                                scope.randomInteger(0, classes, new Shape(batch), DataType.INT64)));
                    }
                    step.run(scope, batches, 0.0035, snapshot, counter[0]++);
                }
                resident.add(BenchResults.residentMiB());
            });
            double median = BenchResults.median(ms);
            double gemm = BenchResults.gemmGflops(device);
            BenchResults.djlHeader(result, "train-step", arch.label(), device, batch, iterations);
            result.put("method", m.spec.name());
            result.put("trainableParameters", m.method.parameters().count());
            result.put("classes", classes);
            result.put("tasks", tasks);
            result.put("snapshot", snapshot);
            result.put("step", snapshot || perTask ? "per-task forward and backward" : "fused: one forward, one backward");
            result.put("textPositions", m.model.textLength());
            result.put("stepMs", median);
            result.put("imagesPerSecond", (double) batch * tasks * 1000.0 / median);
            result.put("gemmGflops", gemm);
            var rss = result.putArray("residentMiBAfterEachStep");
            resident.forEach(rss::add);
            log.printf("%s %s %s %d task(s) × batch %d, %d classes%s%s: %.0f ms/step, %.2f images/s, resident MiB after each step %s; engine GEMM %.0f GFLOP/s%n",
                    arch.label(), m.spec.name(), device, tasks, batch, classes, snapshot ? ", snapshot step" : "",
                    perTask ? ", per-task step" : "", median, (double) batch * tasks * 1000.0 / median, resident, gemm);
        }
        BenchResults.write(result, out, log);
        return result;
    }
}
