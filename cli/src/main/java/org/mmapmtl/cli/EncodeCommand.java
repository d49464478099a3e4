package org.mmapmtl.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipPreprocessor;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.safetensors.SafetensorsFormatException;
import org.mmapmtl.tokenizer.ClipTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "encode", mixinStandardHelpOptions = true,
        header = "Encodes images and texts with CLIP weights and writes the embeddings as JSON.",
        description = {"Encodes images and texts with CLIP weights and writes {\"image_embeddings\", \"text_embeddings\",",
                "\"logits_per_image\"} as JSON: embeddings as encode_image/encode_text return them (unnormalized)."})
final class EncodeCommand implements Callable<Integer> {
    @Option(names = "--weights", required = true, paramLabel = "W", description = "CLIP weights (.safetensors, OpenAI or Hugging Face names)")
    Path weights;

    @Option(names = "--vocab", paramLabel = "V", description = "merges file or Hugging Face folder (default: the bundled CLIP vocabulary)")
    Path vocab;

    @Option(names = "--image", paramLabel = "P", description = "an image to encode (repeatable)")
    List<Path> images = new ArrayList<>();

    @Option(names = "--text", paramLabel = "T", description = "a text to encode (repeatable)")
    List<String> texts = new ArrayList<>();

    @Option(names = "--truncate", description = "cut texts longer than the context instead of refusing them")
    boolean truncate;

    @Option(names = "--out", required = true, paramLabel = "out.json", description = "the JSON file to write")
    Path out;

    @Option(names = "--device", defaultValue = "${env:MMAP_DEVICE:-cpu}", description = "cpu or gpu (default: ${DEFAULT-VALUE})")
    String device;

    @Override
    public Integer call() throws Exception {
        if (images.isEmpty() && texts.isEmpty()) {
            System.err.println("mmap encode: give at least one --image or --text");
            return 2;
        }
        ClipWeights clipWeights;
        ClipTokenizer tokenizer;
        long[] tokenIds;
        int context;
        try {
            clipWeights = ClipWeights.read(weights);
            tokenizer = TokenizeCommand.load(vocab);
            context = clipWeights.config().text().contextLength();
            if (!texts.isEmpty() && clipWeights.config().text().vocabSize() < tokenizer.vocabularySize()) {
                System.err.println("mmap encode: " + weights + " has a vocabulary of " + clipWeights.config().text().vocabSize()
                        + " tokens, the tokenizer needs " + tokenizer.vocabularySize());
                return 2;
            }
            tokenIds = tokenizer.tokenizeAll(texts, context, truncate);
        } catch (SafetensorsFormatException | IllegalArgumentException e) {
            System.err.println("mmap encode: " + e.getMessage());
            return 2;
        }
        ClipPreprocessor preprocessor = new ClipPreprocessor(clipWeights.config().vision().resolution());
        List<float[]> pixels = new ArrayList<>();
        for (Path image : images) {
            try {
                pixels.add(preprocessor.apply(ClipPreprocessor.read(image)));
            } catch (IllegalArgumentException e) {
                System.err.println("mmap encode: " + e.getMessage());
                return 2;
            }
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode result = json.createObjectNode();
        Device target;
        try {
            target = org.mmapmtl.train.Devices.named(device);
        } catch (IllegalStateException e) {
            System.err.println("mmap encode: " + e.getMessage());
            return 2;
        }
        try (ClipModel model = ClipModel.load(clipWeights, target); NDManager batch = NDManager.newBaseManager(target)) {
            NDArray imageFeatures = null;
            NDArray textFeatures = null;
            if (!pixels.isEmpty()) {
                int r = preprocessor.resolution();
                float[] all = new float[pixels.size() * 3 * r * r];
                for (int i = 0; i < pixels.size(); i++) {
                    System.arraycopy(pixels.get(i), 0, all, i * 3 * r * r, 3 * r * r);
                }
                imageFeatures = model.encodeImage(batch.create(all, new Shape(pixels.size(), 3, r, r)));
                result.set("image_embeddings", matrix(json, imageFeatures));
            }
            if (!texts.isEmpty()) {
                textFeatures = model.encodeText(batch.create(tokenIds, new Shape(texts.size(), context)));
                result.set("text_embeddings", matrix(json, textFeatures));
            }
            if (imageFeatures != null && textFeatures != null) {
                result.set("logits_per_image", matrix(json, model.logits(imageFeatures, textFeatures)));
            }
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            java.nio.file.Files.createDirectories(parent);
        }
        json.writeValue(out.toFile(), result);
        System.out.println("wrote " + out);
        return 0;
    }

    private static ArrayNode matrix(ObjectMapper json, NDArray array) {
        long rows = array.getShape().get(0);
        long cols = array.getShape().get(1);
        float[] values = array.toFloatArray();
        ArrayNode out = json.createArrayNode();
        for (int r = 0; r < rows; r++) {
            ArrayNode row = out.addArray();
            for (int c = 0; c < cols; c++) {
                row.add(values[(int) (r * cols + c)]);
            }
        }
        return out;
    }
}
