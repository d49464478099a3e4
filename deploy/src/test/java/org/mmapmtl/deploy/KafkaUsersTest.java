package org.mmapmtl.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.mmapmtl.events.KafkaPrincipal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * KafkaPrincipal is the one definition of who may use which topic; the cluster's Strimzi KafkaUsers are generated
 * from it, as the local broker's ACLs are. When they drift this fails and writes the file to copy to target/.
 */
class KafkaUsersTest {
    static final Path USERS = Manifests.K8S.resolve("base/users.yaml");

    /** The Strimzi KafkaUsers of KafkaPrincipal, as deploy/k8s/base/users.yaml must hold them. */
    static String strimziUsers() {
        StringBuilder out = new StringBuilder("""
                # Strimzi users of the services, generated from contracts KafkaPrincipal (KafkaUsersTest fails when they
                # drift and writes the current version to deploy/target/users.yaml). Each authenticates with SCRAM-SHA-512;
                # Strimzi keeps its password in a Secret of the user's name, which that service's Deployment reads. The
                # Kafka cluster (named mmap) needs a listener with scram-sha-512 authentication on the ConfigMap's
                # address and simple authorization (docs/security.md).
                """);
        for (KafkaPrincipal p : KafkaPrincipal.values()) {
            out.append("---\napiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaUser\n")
                    .append("metadata: {name: ").append(p.user()).append(", labels: {strimzi.io/cluster: mmap}}\n")
                    .append("spec:\n  authentication: {type: scram-sha-512}\n  authorization:\n    type: simple\n    acls:\n");
            for (String topic : p.writes()) {
                acl(out, "topic", topic, "literal", "Write, Describe");
            }
            for (String topic : p.reads()) {
                acl(out, "topic", topic, "literal", "Read, Describe");
            }
            acl(out, "group", p.groupPrefix(), "prefix", "Read");
        }
        return out.toString();
    }

    private static void acl(StringBuilder out, String type, String name, String pattern, String operations) {
        out.append("      - resource: {type: ").append(type).append(", name: ").append(name).append(", patternType: ")
                .append(pattern).append("}\n        operations: [").append(operations).append("]\n");
    }

    /**
     * The table against what each service really does, read from its application.properties: every topic a channel
     * consumes is one it may read, with a consumer group under its prefix; every topic it produces (its dead-letter
     * topics included) is one it may write; and it is allowed nothing that no channel uses.
     */
    @Test
    void eachServicesAllowancesAreExactlyWhatItsChannelsUse() {
        for (KafkaPrincipal principal : KafkaPrincipal.values()) {
            var props = ServiceConfig.of(principal.groupPrefix()).properties();
            java.util.Set<String> reads = new java.util.TreeSet<>();
            java.util.Set<String> writes = new java.util.TreeSet<>();
            for (String key : props.stringPropertyNames()) {
                if (key.startsWith("%") || !key.endsWith(".topic")) {
                    continue;
                }
                String topic = props.getProperty(key);
                if (key.startsWith("mp.messaging.incoming.") && key.endsWith(".dead-letter-queue.topic")) {
                    writes.add(topic);
                } else if (key.startsWith("mp.messaging.incoming.")) {
                    reads.add(topic);
                    String group = props.getProperty(key.replaceFirst("\\.topic$", ".group.id"));
                    assertThat(group).as(principal.groupPrefix() + " " + key + "'s consumer group").startsWith(principal.groupPrefix());
                } else if (key.startsWith("mp.messaging.outgoing.")) {
                    writes.add(topic);
                }
            }
            assertThat(reads).as(principal.user() + " reads").containsExactlyInAnyOrderElementsOf(principal.reads());
            assertThat(writes).as(principal.user() + " writes").containsExactlyInAnyOrderElementsOf(principal.writes());
            assertThat(props.getProperty("kafka.sasl.jaas.config")).as(principal.groupPrefix() + " authenticates as its user")
                    .contains("username=\"" + principal.user() + "\"");
        }
    }

    @Test
    void strimziUsersAreGeneratedFromKafkaPrincipal() throws Exception {
        String generated = strimziUsers();
        String committed = Files.exists(USERS) ? Files.readString(USERS) : "";
        if (!generated.equals(committed)) {
            Path fresh = Path.of("target", "users.yaml");
            Files.createDirectories(fresh.getParent());
            Files.writeString(fresh, generated);
            assertThat(committed).as("deploy/k8s/base/users.yaml differs from KafkaPrincipal; copy "
                    + fresh.toAbsolutePath() + " over it").isEqualTo(generated);
        }
        List<String> problems = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (JsonNode doc : Manifests.documents(USERS)) {
            problems.addAll(Manifests.problems("base/users.yaml", doc));
            names.add(doc.path("metadata").path("name").asText());
        }
        assertThat(problems).isEmpty();
        assertThat(names).containsExactly("mmap-trainer", "mmap-grouping", "mmap-eval");
    }
}
