package org.mmapmtl.clip;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import org.mmapmtl.safetensors.SafetensorsFormatException;
import org.mmapmtl.safetensors.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the parameters of a TorchScript archive, such as OpenAI's official {@code ViT-B-16.pt}, through the PyTorch
 * engine: their names are the state-dict names the model expects. Half-precision parameters are widened to float32.
 */
final class TorchScriptArchive {
    private TorchScriptArchive() {
    }

    static boolean isTorchScript(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".pt") || name.endsWith(".pth");
    }

    static Map<String, Tensor> parameters(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new SafetensorsFormatException(file + ": no such file");
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (Model model = Model.newInstance("clip", Device.cpu(), "PyTorch")) {
            model.load(file);
            for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                NDArray array = p.getValue().getArray();
                try (NDArray f32 = array.toType(DataType.FLOAT32, true)) {
                    tensors.put(p.getKey(), Tensor.ofFloats(f32.getShape().getShape(), f32.toFloatArray()));
                }
            }
        } catch (IOException | MalformedModelException | RuntimeException e) {
            throw new SafetensorsFormatException(file + ": not a TorchScript archive the PyTorch engine can load ("
                    + e.getMessage() + "); convert it to safetensors", e);
        }
        if (tensors.isEmpty()) {
            throw new SafetensorsFormatException(file + ": the TorchScript archive has no parameters");
        }
        return tensors;
    }
}
