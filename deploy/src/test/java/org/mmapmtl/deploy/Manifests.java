package org.mmapmtl.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads Kubernetes manifests into the typed API model (fabric8's) and reports every field the model does not know,
 * every value of the wrong type and every kind we do not deploy: the offline stand-in for a server-side dry run.
 */
final class Manifests {
    static final Path DEPLOY = Path.of("").toAbsolutePath().getFileName().toString().equals("deploy")
            ? Path.of("") : Path.of("deploy");
    static final Path K8S = DEPLOY.resolve("k8s");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    static final Map<String, Class<?>> KINDS = Map.of(
            "v1/ConfigMap", ConfigMap.class, "v1/Secret", Secret.class, "v1/Service", Service.class,
            "v1/PersistentVolumeClaim", PersistentVolumeClaim.class, "apps/v1/Deployment", Deployment.class,
            "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class);
    private static final Set<String> KAFKA_TOPIC_SPEC = Set.of("partitions", "replicas", "config", "topicName");
    private static final Set<String> KAFKA_USER_SPEC = Set.of("authentication", "authorization", "quotas");

    private Manifests() {
    }

    static List<JsonNode> documents(Path file) throws IOException {
        try (Reader in = Files.newBufferedReader(file)) {
            return documents(in);
        }
    }

    static List<JsonNode> documents(String yaml) throws IOException {
        return documents(new StringReader(yaml));
    }

    private static List<JsonNode> documents(Reader in) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (YAMLParser parser = new YAMLFactory().createParser(in)) {
            for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    static String id(JsonNode doc) {
        return doc.path("kind").asText() + "/" + doc.path("metadata").path("name").asText();
    }

    /** What is wrong with one manifest, each problem naming the document and the field; empty when it is valid. */
    static List<String> problems(String where, JsonNode doc) {
        String type = doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
        String name = where + " " + id(doc);
        List<String> problems = new ArrayList<>();
        if (doc.path("metadata").path("name").asText().isEmpty()) {
            problems.add(name + ": metadata.name is missing");
        }
        if (type.equals("kafka.strimzi.io/v1beta2/KafkaTopic")) {
            doc.path("spec").fieldNames().forEachRemaining(f -> {
                if (!KAFKA_TOPIC_SPEC.contains(f)) {
                    problems.add(name + ": spec." + f + " is not a KafkaTopic field");
                }
            });
            if (!doc.path("spec").path("partitions").canConvertToInt() || doc.path("spec").path("partitions").asInt() < 1) {
                problems.add(name + ": spec.partitions must be a positive integer");
            }
            return problems;
        }
        if (type.equals("kafka.strimzi.io/v1beta2/KafkaUser")) {
            doc.path("spec").fieldNames().forEachRemaining(f -> {
                if (!KAFKA_USER_SPEC.contains(f)) {
                    problems.add(name + ": spec." + f + " is not a KafkaUser field");
                }
            });
            if (!doc.path("spec").path("authentication").path("type").asText().equals("scram-sha-512")) {
                problems.add(name + ": spec.authentication.type must be scram-sha-512, the services' mechanism");
            }
            for (JsonNode acl : doc.path("spec").path("authorization").path("acls")) {
                if (!Set.of("topic", "group").contains(acl.path("resource").path("type").asText())
                        || !Set.of("literal", "prefix").contains(acl.path("resource").path("patternType").asText())
                        || !acl.path("operations").isArray() || acl.path("operations").isEmpty()) {
                    problems.add(name + ": ACL " + acl + " needs a topic or group resource, a literal or prefix "
                            + "pattern and operations");
                }
            }
            return problems;
        }
        Class<?> model = KINDS.get(type);
        if (model == null) {
            problems.add(name + ": " + type + " is not a kind these manifests deploy (known: " + KINDS.keySet()
                    + ", kafka.strimzi.io/v1beta2/KafkaTopic, kafka.strimzi.io/v1beta2/KafkaUser)");
            return problems;
        }
        try {
            Object typed = YAML.treeToValue(doc, model);
            unknownFields(typed, "", name, problems);
        } catch (JsonMappingException e) {
            StringBuilder field = new StringBuilder();
            for (JsonMappingException.Reference r : e.getPath()) {
                field.append(r.getFieldName() != null ? (field.isEmpty() ? "" : ".") + r.getFieldName()
                        : "[" + r.getIndex() + "]");
            }
            problems.add(name + ": " + field + ": " + e.getOriginalMessage().lines().findFirst().orElse(e.toString()));
        } catch (IOException e) {
            problems.add(name + ": " + e.getMessage().lines().findFirst().orElse(e.toString()));
        }
        return problems;
    }

    /** fabric8 keeps fields it does not model in additionalProperties instead of failing: each one is a typo. */
    private static void unknownFields(Object node, String path, String name, List<String> problems) {
        if (node == null) {
            return;
        }
        if (node instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                unknownFields(item, path + "[" + i++ + "]", name, problems);
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> unknownFields(v, path + "." + k, name, problems));
            return;
        }
        if (!node.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : node.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(node);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra) {
                    extra.keySet().forEach(k -> problems.add(name + ": " + (path.isEmpty() ? "" : path.substring(1) + ".")
                            + k + " is not a field of " + node.getClass().getSimpleName()));
                }
                continue;
            }
            String field = Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
            unknownFields(value, path + "." + field, name, problems);
        }
    }
}
