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

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Images/s and texts/s of the CLIP encoders (random weights of the named architecture, float32), one manager per
 * batch as training uses them. bench/pytorch_encoders.py measures PyTorch eager the same way.
 */
public final class EncoderBench {
    private EncoderBench() {
    }

    public static ObjectNode run(ClipArchitecture arch, int batch, int iterations, Device device, Path out, PrintStream log)
            throws IOException {
        Path weights = Files.createTempFile("bench-" + arch.label(), ".safetensors");
        ObjectNode result = new ObjectMapper().createObjectNode();
        try {
            ClipInitializer.write(weights, arch, 0);
            try (ClipModel model = ClipModel.load(ClipWeights.read(weights), device)) {
                int r = arch.config().vision().resolution();
                int context = arch.config().text().contextLength();
                double[] imageMs = BenchResults.time(iterations, () -> {
                    try (NDManager scope = NDManager.newBaseManager(device)) {
                        NDArray images = scope.randomNormal(new Shape(batch, 3, r, r));
                        model.encodeImage(images).toFloatArray();
                    }
                });
                double[] textMs = BenchResults.time(iterations, () -> {
                    try (NDManager scope = NDManager.newBaseManager(device)) {
                        NDArray tokens = scope.randomInteger(1, 49000, new Shape(batch, context), DataType.INT64);
                        // end-of-text in the middle, as real captions have
                        tokens.set(new ai.djl.ndarray.index.NDIndex(":, 20"), 49407L);
                        model.encodeText(tokens).toFloatArray();
                    }
                });
                double imageMedian = BenchResults.median(imageMs);
                double textMedian = BenchResults.median(textMs);
                BenchResults.djlHeader(result, "clip-encoders", arch.label(), device, batch, iterations);
                result.put("imageBatchMs", imageMedian);
                result.put("imagesPerSecond", batch * 1000.0 / imageMedian);
                result.put("textBatchMs", textMedian);
                result.put("textsPerSecond", batch * 1000.0 / textMedian);
                log.printf("%s %s batch %d: images %.1f/s (%.0f ms/batch), texts %.1f/s (%.0f ms/batch)%n",
                        arch.label(), device, batch, batch * 1000.0 / imageMedian, imageMedian,
                        batch * 1000.0 / textMedian, textMedian);
            }
        } finally {
            Files.deleteIfExists(weights);
        }
        BenchResults.write(result, out, log);
        return result;
    }
}
