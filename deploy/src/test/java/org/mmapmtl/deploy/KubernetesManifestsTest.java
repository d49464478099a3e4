package org.mmapmtl.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kubernetes manifests, checked offline: every file against the API model, each overlay rendered (by
 * {@code kubectl kustomize} where kubectl is installed, else by our reading of its resources and patches) and the
 * result checked again, and what the services need: probes, ports, volumes, the GPU request.
 */
class KubernetesManifestsTest {
    static final List<String> SERVICES = List.of("trainer-service", "grouping-service", "eval-service");
    static final List<String> OVERLAYS = List.of("cpu", "gpu");

    static List<Path> yamlFiles() throws IOException {
        try (Stream<Path> files = Files.walk(Manifests.K8S)) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @Test
    void everyManifestValidatesAgainstTheApiModel() throws IOException {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Path file : yamlFiles()) {
            for (JsonNode doc : Manifests.documents(file)) {
                // overlay patches are partial objects: the model takes them field by field all the same
                problems.addAll(doc.path("kind").asText().equals("Kustomization") ? kustomizationProblems(file, doc)
                        : Manifests.problems(Manifests.K8S.relativize(file).toString(), doc));
                checked++;
            }
        }
        assertThat(problems).as("problems in deploy/k8s").isEmpty();
        assertThat(checked).isGreaterThan(15);
    }

    @Test
    void aBrokenManifestIsRefusedNamingTheField() throws IOException {
        String broken = Files.readString(Manifests.K8S.resolve("base/trainer-service.yaml"))
                .replace("httpGet: {path: /q/health/ready", "httpGet: {paht: /q/health/ready")
                .replace("replicas: 2", "replicas: two")
                .replace("containerPort: 8081", "containerport: 8081");
        List<String> problems = new ArrayList<>();
        for (JsonNode doc : Manifests.documents(broken)) {
            problems.addAll(Manifests.problems("broken.yaml", doc));
        }
        assertThat(problems).anyMatch(p -> p.contains("Deployment/trainer-service: spec.replicas: Cannot deserialize"));
        String fixedReplicas = broken.replace("replicas: two", "replicas: 2");
        problems.clear();
        for (JsonNode doc : Manifests.documents(fixedReplicas)) {
            problems.addAll(Manifests.problems("broken.yaml", doc));
        }
        assertThat(problems).anyMatch(p -> p.contains("readinessProbe.httpGet.paht is not a field of HTTPGetAction"))
                .anyMatch(p -> p.contains("ports[0].containerport is not a field of ContainerPort"));
        assertThat(Manifests.problems("x.yaml", Manifests.documents("apiVersion: v1\nkind: Pod\nmetadata: {name: p}").get(0)))
                .anyMatch(p -> p.contains("not a kind these manifests deploy"));
    }

    @Test
    void overlaysRenderToValidManifests() throws Exception {
        for (String overlay : OVERLAYS) {
            List<JsonNode> rendered = render(overlay);
            List<String> problems = new ArrayList<>();
            rendered.forEach(doc -> problems.addAll(Manifests.problems("overlays/" + overlay, doc)));
            assertThat(problems).as(overlay).isEmpty();
            Map<String, JsonNode> byId = new LinkedHashMap<>();
            rendered.forEach(doc -> byId.put(Manifests.id(doc), doc));
            for (String service : SERVICES) {
                assertThat(byId).as(overlay).containsKeys("Deployment/" + service, "Service/" + service);
            }
            for (String service : SERVICES) {
                assertThat(byId).as(overlay).containsKey("NetworkPolicy/" + service);
            }
            assertThat(byId).as(overlay).containsKeys("ConfigMap/mmap-config",
                    "PersistentVolumeClaim/mmap-artifacts", "PersistentVolumeClaim/mmap-datasets",
                    "KafkaTopic/mmap.gradients", "KafkaTopic/mmap.partitions.dlq",
                    "KafkaUser/mmap-trainer", "KafkaUser/mmap-grouping", "KafkaUser/mmap-eval");
            checkServices(overlay, byId);
            assertThat(Hardening.problems(byId)).as("overlays/" + overlay + " hardening").isEmpty();
            if (kubectl()) {
                // keeps the stand-in used where kubectl is missing honest
                Map<String, JsonNode> ours = new LinkedHashMap<>();
                Kustomize.render(Manifests.K8S.resolve("overlays").resolve(overlay))
                        .forEach(doc -> ours.put(Manifests.id(doc), doc));
                assertThat(ours).as("our rendering of overlays/" + overlay + " equals kubectl's").isEqualTo(byId);
            }
        }
    }

    @Test
    void aBreachOfTheHardeningRulesIsNamed() throws Exception {
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        render("cpu").forEach(doc -> byId.put(Manifests.id(doc), doc));
        var trainer = (com.fasterxml.jackson.databind.node.ObjectNode) byId.get("Deployment/trainer-service")
                .path("spec").path("template").path("spec").path("containers").get(0);
        ((com.fasterxml.jackson.databind.node.ObjectNode) trainer.path("securityContext")).put("readOnlyRootFilesystem", false);
        trainer.withArray("env").addObject().put("name", "QUARKUS_DATASOURCE_PASSWORD").put("value", "hunter2");
        ((com.fasterxml.jackson.databind.node.ObjectNode) byId.get("Deployment/grouping-service").path("spec")
                .path("template").path("spec").path("containers").get(0).path("env").get(0).path("valueFrom")
                .path("secretKeyRef")).put("name", "mmap-eval");
        var eval = byId.get("Deployment/eval-service").path("spec").path("template").path("spec").path("containers").get(0);
        ((com.fasterxml.jackson.databind.node.ObjectNode) eval.path("envFrom").get(1).path("secretRef")).put("name", "mmap-trainer-db");
        ((com.fasterxml.jackson.databind.node.ObjectNode) byId.get("Deployment/eval-service").path("spec").path("template")
                .path("spec").path("securityContext")).remove("runAsNonRoot");
        byId.put("Secret/mmap-db", Manifests.documents("apiVersion: v1\nkind: Secret\nmetadata: {name: mmap-db}\n"
                + "stringData: {QUARKUS_DATASOURCE_PASSWORD: change-me}").get(0));
        var grouping = (com.fasterxml.jackson.databind.node.ObjectNode) byId.get("NetworkPolicy/grouping-service").path("spec");
        grouping.withArray("egress").addObject().withArray("ports").addObject().put("port", 80);
        ((com.fasterxml.jackson.databind.node.ObjectNode) grouping.path("ingress").get(1)).remove("from");
        byId.remove("NetworkPolicy/eval-service");

        assertThat(Hardening.problems(byId)).containsExactlyInAnyOrder(
                "Secret/mmap-db: holds values; secrets are created in the cluster, never kept in the repository",
                "Deployment/trainer-service container trainer-service: securityContext.readOnlyRootFilesystem must be true",
                "Deployment/trainer-service container trainer-service: env QUARKUS_DATASOURCE_PASSWORD holds a value; take it from a Secret",
                "Deployment/eval-service: securityContext.runAsNonRoot must be true",
                "Deployment/eval-service container eval-service: envFrom secrets [mmap-trainer-db]; it needs exactly its "
                        + "own database Secret mmap-eval-db",
                "NetworkPolicy/eval-service: missing; the pod would accept and open any connection",
                "Deployment/grouping-service container grouping-service: MMAP_KAFKA_PASSWORD must come from the Secret "
                        + "of its KafkaUser mmap-grouping",
                "NetworkPolicy/grouping-service: ingress on port 9082 (metrics) must come from the monitoring namespace only",
                "NetworkPolicy/grouping-service: egress to port 80; a service needs only DNS, Kafka and PostgreSQL "
                        + Hardening.EGRESS_PORTS);
    }

    private void checkServices(String overlay, Map<String, JsonNode> byId) throws IOException {
        ConfigMap config = Manifests.YAML.treeToValue(byId.get("ConfigMap/mmap-config"), ConfigMap.class);
        for (String service : SERVICES) {
            Deployment d = Manifests.YAML.treeToValue(byId.get("Deployment/" + service), Deployment.class);
            Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            String where = overlay + " " + service;
            assertThat(c.getReadinessProbe().getHttpGet().getPath()).as(where).isEqualTo("/q/health/ready");
            assertThat(c.getLivenessProbe().getHttpGet().getPath()).as(where).isEqualTo("/q/health/live");
            assertThat(c.getPorts().get(0).getContainerPort()).as(where + " port = quarkus.http.port")
                    .isEqualTo(ServiceConfig.of(service).httpPort());
            // metrics and the API description live on the management port: scraped from the pod, never published
            int management = ServiceConfig.of(service).managementPort();
            assertThat(c.getPorts()).as(where + " metrics port = quarkus.management.port")
                    .anySatisfy(p -> assertThat(p.getContainerPort()).isEqualTo(management));
            assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations()).as(where)
                    .containsEntry("prometheus.io/port", String.valueOf(management))
                    .containsEntry("prometheus.io/path", "/q/metrics");
            var published = Manifests.YAML.treeToValue(byId.get("Service/" + service), io.fabric8.kubernetes.api.model.Service.class);
            assertThat(published.getSpec().getPorts()).as(where + " Service publishes the API port only")
                    .extracting(io.fabric8.kubernetes.api.model.ServicePort::getPort)
                    .containsExactly(ServiceConfig.of(service).httpPort());
            assertThat(c.getImage()).as(where).startsWith("mmap-mtl/" + service + ":");
            assertThat(d.getSpec().getSelector().getMatchLabels())
                    .isEqualTo(d.getSpec().getTemplate().getMetadata().getLabels());
            var env = c.getEnv().stream().filter(e -> e.getName().equals("JAVA_OPTS")).findFirst();
            assertThat(env).as(where + " explicit heap").hasValueSatisfying(e -> assertThat(e.getValue()).contains("-Xmx"));
            assertThat(c.getResources().getLimits()).as(where).containsKey("memory");
            if (!service.equals("grouping-service")) {
                Set<String> mounts = new HashSet<>();
                c.getVolumeMounts().forEach(m -> mounts.add(m.getMountPath()));
                assertThat(mounts).as(where + " mounts MMAP_ARTIFACTS_DIR and the data roots")
                        .contains(config.getData().get("MMAP_ARTIFACTS_DIR"))
                        .containsAll(List.of(config.getData().get("MMAP_DATA_ROOTS").split(",")));
                // besides emptyDirs and the shared claims, only the identity provider's public key (ConfigMap mmap-auth)
                d.getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getEmptyDir() == null)
                        .filter(v -> v.getConfigMap() == null || !v.getConfigMap().getName().equals("mmap-auth")).forEach(v -> {
                    assertThat(v.getPersistentVolumeClaim()).as(where + " volume " + v.getName() + " is a claim").isNotNull();
                    String claim = v.getPersistentVolumeClaim().getClaimName();
                    assertThat(byId.get("PersistentVolumeClaim/" + claim).path("spec").path("accessModes").toString())
                            .as(where + " volume " + claim).contains("ReadWriteMany");
                });
            }
        }
        Deployment trainer = Manifests.YAML.treeToValue(byId.get("Deployment/trainer-service"), Deployment.class);
        assertThat(trainer.getSpec().getReplicas()).as(overlay + ": trainers share the runs").isGreaterThanOrEqualTo(2);
        var pod = trainer.getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().get(0);
        if (overlay.equals("gpu")) {
            assertThat(c.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"));
            assertThat(c.getImage()).endsWith("-cuda");
            assertThat(c.getEnv()).anyMatch(e -> e.getName().equals("MMAP_DEVICE") && e.getValue().equals("gpu"));
            assertThat(pod.getNodeSelector()).isNotEmpty();
            assertThat(pod.getTolerations()).anyMatch(t -> "nvidia.com/gpu".equals(t.getKey()));
        } else {
            assertThat(c.getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
        }
        for (String key : config.getData().keySet()) {
            assertThat(ServiceConfig.knownEnvironment()).as("ConfigMap key " + key + " is read by some service")
                    .contains(key);
        }
    }

    /** The image of the service's Deployment in the base manifests. */
    static String baseImage(String service) throws IOException {
        for (JsonNode doc : Manifests.documents(Manifests.K8S.resolve("base").resolve(service + ".yaml"))) {
            if (doc.path("kind").asText().equals("Deployment")) {
                return doc.path("spec").path("template").path("spec").path("containers").get(0).path("image").asText();
            }
        }
        throw new AssertionError("no Deployment in base/" + service + ".yaml");
    }

    /** The overlay as kubectl renders it; without kubectl, base resources with the overlay's images and patches. */
    static List<JsonNode> render(String overlay) throws Exception {
        Path dir = Manifests.K8S.resolve("overlays").resolve(overlay);
        if (kubectl()) {
            Process p = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("kubectl kustomize " + dir + ":\n" + out).isZero();
            System.out.println("[deploy] overlays/" + overlay + " rendered by kubectl kustomize");
            return Manifests.documents(out);
        }
        System.out.println("[deploy] no kubectl: overlays/" + overlay + " resolved by KubernetesManifestsTest's own reading");
        return Kustomize.render(dir);
    }

    static boolean kubectl() {
        try {
            Process p = new ProcessBuilder("kubectl", "version", "--client").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static List<String> kustomizationProblems(Path file, JsonNode doc) {
        List<String> problems = new ArrayList<>();
        Set<String> known = Set.of("apiVersion", "kind", "resources", "images", "patches");
        doc.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                problems.add(file + ": " + f + " is not used by our kustomizations (known: " + known + ")");
            }
        });
        for (JsonNode r : doc.path("resources")) {
            if (!Files.exists(file.getParent().resolve(r.asText()))) {
                problems.add(file + ": resource " + r.asText() + " does not exist");
            }
        }
        for (JsonNode p : doc.path("patches")) {
            if (!Files.exists(file.getParent().resolve(p.path("path").asText()))) {
                problems.add(file + ": patch " + p.path("path").asText() + " does not exist");
            }
        }
        return problems;
    }
}
