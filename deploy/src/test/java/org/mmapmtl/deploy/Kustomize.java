package org.mmapmtl.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The part of Kustomize our overlays use, for machines without kubectl: resources (files and directories), image
 * tags, and strategic-merge patches where keyed lists merge on their key (containers, env and volumes by name,
 * volume mounts by mountPath, ports by containerPort) and other lists are replaced.
 */
final class Kustomize {
    private Kustomize() {
    }

    static List<JsonNode> render(Path dir) throws IOException {
        Path file = dir.resolve("kustomization.yaml");
        if (!Files.exists(file)) {
            throw new AssertionError(dir + " has no kustomization.yaml");
        }
        JsonNode k = Manifests.documents(file).get(0);
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode r : k.path("resources")) {
            Path resource = dir.resolve(r.asText()).normalize();
            if (Files.isDirectory(resource)) {
                out.addAll(render(resource));
            } else if (Files.exists(resource)) {
                out.addAll(Manifests.documents(resource));
            } else {
                throw new AssertionError(file + ": resource " + r.asText() + " does not exist");
            }
        }
        for (JsonNode p : k.path("patches")) {
            for (JsonNode patch : Manifests.documents(dir.resolve(p.path("path").asText()))) {
                JsonNode target = out.stream().filter(d -> Manifests.id(d).equals(Manifests.id(patch))).findFirst()
                        .orElseThrow(() -> new AssertionError(file + ": patch " + p.path("path").asText()
                                + " targets " + Manifests.id(patch) + ", which no resource defines"));
                merge((ObjectNode) target, patch);
            }
        }
        for (JsonNode image : k.path("images")) {
            for (JsonNode doc : out) {
                for (JsonNode c : doc.path("spec").path("template").path("spec").path("containers")) {
                    String name = c.path("image").asText().split(":")[0];
                    if (name.equals(image.path("name").asText())) {
                        ((ObjectNode) c).put("image", name + ":" + image.path("newTag").asText());
                    }
                }
            }
        }
        return out;
    }

    private static void merge(ObjectNode target, JsonNode patch) {
        patch.fields().forEachRemaining(e -> {
            JsonNode existing = target.get(e.getKey());
            JsonNode value = e.getValue();
            if (existing instanceof ObjectNode o && value.isObject()) {
                merge(o, value);
            } else if (existing instanceof ArrayNode a && value.isArray() && keyed(value, mergeKey(e.getKey()))) {
                String key = mergeKey(e.getKey());
                for (JsonNode item : value) {
                    JsonNode same = null;
                    for (JsonNode old : a) {
                        if (old.path(key).equals(item.path(key))) {
                            same = old;
                        }
                    }
                    if (same instanceof ObjectNode o) {
                        merge(o, item);
                    } else {
                        a.insert(0, item.deepCopy());
                    }
                }
            } else {
                target.set(e.getKey(), value.deepCopy());
            }
        });
    }

    /** The field a list of the Kubernetes API merges on (its patchMergeKey); name for most lists. */
    private static String mergeKey(String list) {
        return switch (list) {
            case "volumeMounts", "volumeDevices" -> "mountPath";
            case "ports" -> "containerPort";
            case "tolerations", "args", "command" -> "";
            default -> "name";
        };
    }

    private static boolean keyed(JsonNode items, String key) {
        if (key.isEmpty()) {
            return false;
        }
        for (JsonNode item : items) {
            if (!item.has(key)) {
                return false;
            }
        }
        return true;
    }
}
