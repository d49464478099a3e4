package org.mmapmtl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.mmapmtl.clip.ClipModel;
import org.mmapmtl.clip.ClipPreprocessor;
import org.mmapmtl.clip.ClipWeights;
import org.mmapmtl.eval.Predictor;
import org.mmapmtl.safetensors.SafetensorsFormatException;
import org.mmapmtl.train.CheckpointFile;
import org.mmapmtl.train.Devices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "predict", mixinStandardHelpOptions = true,
        header = "Classifies images with CLIP, zero-shot or with a checkpoint a run wrote.",
        description = {"Classifies images with CLIP weights and, optionally, a checkpoint an experiment run wrote (its",
                "method, prompts and tasks come from the file). Without a checkpoint it is zero-shot CLIP and needs",
                "--classes. Prints each image's most probable classes per task, or JSON with --json."})
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--weights", paramLabel = "W", description = "the base CLIP weights (.safetensors); with --checkpoint, "
            + "by default the file its run trained on")
    Path weights;

    @Option(names = "--checkpoint", paramLabel = "C", description = "a checkpoint written by an experiment run (epoch-N.safetensors)")
    Path checkpoint;

    @Option(names = "--classes", split = ",", paramLabel = "NAME", description = "class names, comma-separated (default: the run's)")
    List<String> classes;

    @Option(names = "--task", paramLabel = "T", description = "the task (domain) whose prompts to use (default: every task of the run)")
    String task;

    @Option(names = "--image", required = true, paramLabel = "P", description = "an image file (repeatable)")
    List<Path> images = new ArrayList<>();

    @Option(names = "--top", defaultValue = "3", paramLabel = "K", description = "classes shown per image and task (default: ${DEFAULT-VALUE})")
    int top;

    @Option(names = "--out", paramLabel = "FILE", description = "also write every class's logit and probability per "
            + "image and task as JSON to FILE")
    Path out;

    @Option(names = "--json", description = "print every class's logit and probability as JSON")
    boolean json;

    @Option(names = "--device", defaultValue = "${env:MMAP_DEVICE:-cpu}", description = "cpu or gpu (default: ${DEFAULT-VALUE})")
    String device;

    @Override
    public Integer call() throws Exception {
        if (top < 1) {
            System.err.println("mmap predict: --top must be >= 1");
            return 2;
        }
        List<BufferedImage> decoded = new ArrayList<>();
        ClipWeights clipWeights;
        try {
            if (weights == null && checkpoint == null) {
                System.err.println("mmap predict: zero-shot prediction needs the CLIP weights: --weights W");
                return ExitCodes.USAGE;
            }
            for (Path file : missing()) {
                System.err.println("mmap predict: no such file " + file);
                return ExitCodes.NOT_FOUND;
            }
            if (weights == null) {
                weights = Predictor.baseWeightsOf(checkpoint);
                if (weights == null) {
                    System.err.println("mmap predict: " + checkpoint + " does not record its base weights: give --weights W");
                    return ExitCodes.USAGE;
                }
                if (!java.nio.file.Files.isRegularFile(weights)) {
                    System.err.println("mmap predict: " + checkpoint + " was trained on " + weights + ", which is not "
                            + "there: give its copy with --weights W");
                    return ExitCodes.NOT_FOUND;
                }
            }
            for (Path image : images) {
                decoded.add(ClipPreprocessor.read(image));
            }
            clipWeights = ClipWeights.read(weights);
        } catch (SafetensorsFormatException | IllegalArgumentException e) {
            System.err.println("mmap predict: " + e.getMessage());
            return 2;
        }
        try (ClipModel clip = ClipModel.load(clipWeights, Devices.named(device));
             Predictor predictor = Predictor.open(clip, CheckpointFile.sha256(weights), checkpoint, classes)) {
            List<String> tasks = task == null ? predictor.tasks() : List.of(task);
            Map<String, List<Predictor.Prediction>> byTask = new LinkedHashMap<>();
            for (String t : tasks) {
                byTask.put(t, predictor.predict(t, decoded));
            }
            if (json || out != null) {
                List<Map<String, Object>> perImage = new ArrayList<>();
                for (int i = 0; i < images.size(); i++) {
                    Map<String, Object> tasksOut = new LinkedHashMap<>();
                    for (Map.Entry<String, List<Predictor.Prediction>> e : byTask.entrySet()) {
                        tasksOut.put(e.getKey(), e.getValue().get(i));
                    }
                    perImage.add(Map.of("image", images.get(i).toString(), "tasks", tasksOut));
                }
                String text = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(
                        Map.of("classes", predictor.classNames(), "images", perImage));
                if (out != null) {
                    if (out.toAbsolutePath().getParent() != null) {
                        java.nio.file.Files.createDirectories(out.toAbsolutePath().getParent());
                    }
                    java.nio.file.Files.writeString(out, text + System.lineSeparator());
                }
                if (json) {
                    System.out.println(text);
                    return 0;
                }
            }
            for (int i = 0; i < images.size(); i++) {
                System.out.println(images.get(i));
                for (Map.Entry<String, List<Predictor.Prediction>> e : byTask.entrySet()) {
                    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-14s", e.getKey()));
                    List<Predictor.ClassProbability> ranked = e.getValue().get(i).classes();
                    for (int k = 0; k < Math.min(top, ranked.size()); k++) {
                        line.append(String.format(Locale.ROOT, "  %s %.1f%%", ranked.get(k).name(),
                                100 * ranked.get(k).probability()));
                    }
                    System.out.println(line);
                }
            }
            return 0;
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("mmap predict: " + e.getMessage());
            return 2;
        }
    }

    /** The named files that are not there: "not found" (exit 3) rather than a usage error. */
    private List<Path> missing() {
        List<Path> all = new ArrayList<>(images);
        if (weights != null) {
            all.add(weights);
        }
        if (checkpoint != null) {
            all.add(checkpoint);
        }
        return all.stream().filter(f -> !java.nio.file.Files.isRegularFile(f)).toList();
    }
}
