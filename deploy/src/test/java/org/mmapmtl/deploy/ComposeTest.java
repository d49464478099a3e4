package org.mmapmtl.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The compose file for one machine against the services' configuration and the Kubernetes settings. */
class ComposeTest {

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> services() throws IOException {
        // SnakeYAML resolves the file's anchors and << merges as Compose does
        try (Reader in = Files.newBufferedReader(Manifests.DEPLOY.resolve("compose.yaml"))) {
            Map<String, Object> compose = new Yaml().load(in);
            return (Map<String, Map<String, Object>>) compose.get("services");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void servicesMatchTheirConfigurationAndTheClusterSettings() throws IOException {
        Map<String, Map<String, Object>> services = services();
        Set<String> known = new HashSet<>(ServiceConfig.knownEnvironment());
        // Quarkus reads the datasource password when it is set; no application.properties holds one
        known.add(Hardening.DB_PASSWORD);
        Set<String> clusterKeys = new HashSet<>();
        for (JsonNode doc : Manifests.documents(Manifests.K8S.resolve("base/config.yaml"))) {
            doc.path("data").fieldNames().forEachRemaining(clusterKeys::add);
        }
        // each service's own database Secret holds its password under this key (created in the cluster)
        clusterKeys.add(Hardening.DB_PASSWORD);
        // compose's one-host broker has no users, where the cluster's services authenticate (docs/security.md)
        clusterKeys.add("KAFKA_SECURITY_PROTOCOL");
        for (String name : KubernetesManifestsTest.SERVICES) {
            Map<String, Object> s = services.get(name);
            assertThat(s).as("compose service " + name).isNotNull();
            int port = ServiceConfig.of(name).httpPort();
            assertThat((List<String>) s.get("ports")).as(name).containsExactly(port + ":" + port);
            assertThat((String) s.get("image")).as(name + ": the tag the Dockerfiles build and the manifests deploy")
                    .isEqualTo(KubernetesManifestsTest.baseImage(name));
            Map<String, Object> env = (Map<String, Object>) s.get("environment");
            assertThat(known).as(name + " environment is read by some service").containsAll(env.keySet());
            assertThat(env.keySet()).as(name + ": the same settings as the cluster's ConfigMap and Secret")
                    .containsExactlyInAnyOrderElementsOf(clusterKeys);
            List<String> volumes = (List<String>) s.get("volumes");
            List<String> targets = volumes.stream().map(ComposeTest::target).toList();
            assertThat(targets).as(name + " mounts MMAP_ARTIFACTS_DIR").contains(env.get("MMAP_ARTIFACTS_DIR").toString());
            assertThat(targets).as(name + " mounts the data roots")
                    .containsAll(List.of(env.get("MMAP_DATA_ROOTS").toString().split(",")));
        }
        assertThat(services).containsKeys("kafka", "postgres", "topics");
    }

    /** The container path of a short-syntax volume (SOURCE:TARGET[:MODE]); the source may hold ${VAR:-default}. */
    static String target(String volume) {
        var m = java.util.regex.Pattern.compile(":(/[^:]*)(:(ro|rw))?$").matcher(volume);
        assertThat(m.find()).as("volume " + volume).isTrue();
        return m.group(1);
    }
}
