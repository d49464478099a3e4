package org.mmapmtl.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a platform team requires of the rendered manifests before they run next to shared GPUs: Kubernetes's
 * restricted pod security (non-root, no privilege escalation, every capability dropped, seccomp RuntimeDefault, a
 * read-only root filesystem with writable mounts only where a service writes), no secret value in the repository and
 * each service given only its own database Secret, and a NetworkPolicy that lets each service be reached on its API
 * port (metrics from the monitoring namespace only) and reach only DNS, Kafka and PostgreSQL.
 */
final class Hardening {
    /** The Kafka cluster's pods (Strimzi labels them with their cluster), the only pods a service may reach. */
    static final Map<String, String> KAFKA_PODS = Map.of("strimzi.io/cluster", "mmap");
    static final Set<Integer> EGRESS_PORTS = Set.of(53, 9092, 5432);
    static final String MONITORING_NAMESPACE = "monitoring";
    /** The key of each service's database Secret. */
    static final String DB_PASSWORD = "QUARKUS_DATASOURCE_PASSWORD";

    private Hardening() {
    }

    /** Every rule broken by the rendered objects, by id ({@code Kind/name}); empty when all hold. */
    static List<String> problems(Map<String, JsonNode> byId) throws IOException {
        List<String> problems = new ArrayList<>();
        byId.forEach((id, doc) -> {
            if (id.startsWith("Secret/") && (doc.has("data") || doc.has("stringData"))) {
                problems.add(id + ": holds values; secrets are created in the cluster, never kept in the repository");
            }
        });
        for (String service : KubernetesManifestsTest.SERVICES) {
            JsonNode deployment = byId.get("Deployment/" + service);
            if (deployment == null) {
                problems.add("Deployment/" + service + ": missing");
                continue;
            }
            Deployment d = Manifests.YAML.treeToValue(deployment, Deployment.class);
            pod(service, d.getSpec().getTemplate().getSpec(), problems);
            JsonNode policy = byId.get("NetworkPolicy/" + service);
            if (policy == null) {
                problems.add("NetworkPolicy/" + service + ": missing; the pod would accept and open any connection");
            } else {
                network(service, d, Manifests.YAML.treeToValue(policy, NetworkPolicy.class), problems);
            }
        }
        return problems;
    }

    private static void pod(String service, PodSpec pod, List<String> problems) {
        String where = "Deployment/" + service;
        var sc = pod.getSecurityContext();
        if (sc == null || !Boolean.TRUE.equals(sc.getRunAsNonRoot())) {
            problems.add(where + ": securityContext.runAsNonRoot must be true");
        }
        if (sc == null || sc.getSeccompProfile() == null || !"RuntimeDefault".equals(sc.getSeccompProfile().getType())) {
            problems.add(where + ": securityContext.seccompProfile.type must be RuntimeDefault");
        }
        if (Boolean.TRUE.equals(pod.getHostNetwork()) || Boolean.TRUE.equals(pod.getHostPID())
                || Boolean.TRUE.equals(pod.getHostIPC())) {
            problems.add(where + ": shares the node's network, process or IPC namespace");
        }
        Set<String> emptyDirs = new java.util.HashSet<>();
        pod.getVolumes().stream().filter(v -> v.getEmptyDir() != null).forEach(v -> emptyDirs.add(v.getName()));
        String shortName = service.substring(0, service.indexOf('-'));
        for (Container c : pod.getContainers()) {
            String in = where + " container " + c.getName();
            var csc = c.getSecurityContext();
            if (csc == null || !Boolean.FALSE.equals(csc.getAllowPrivilegeEscalation())) {
                problems.add(in + ": securityContext.allowPrivilegeEscalation must be false");
            }
            if (csc == null || !Boolean.TRUE.equals(csc.getReadOnlyRootFilesystem())) {
                problems.add(in + ": securityContext.readOnlyRootFilesystem must be true");
            }
            if (csc != null && Boolean.TRUE.equals(csc.getPrivileged())) {
                problems.add(in + ": privileged");
            }
            if (csc == null || csc.getCapabilities() == null || !csc.getCapabilities().getDrop().contains("ALL")
                    || !csc.getCapabilities().getAdd().isEmpty()) {
                problems.add(in + ": securityContext.capabilities must drop ALL and add none");
            }
            // the JVM and DJL's native libraries write under /tmp; a service's own folders must be writable mounts
            List<String> writable = c.getVolumeMounts().stream().filter(m -> !Boolean.TRUE.equals(m.getReadOnly()))
                    .map(VolumeMount::getMountPath).toList();
            if (c.getVolumeMounts().stream().noneMatch(m -> m.getMountPath().equals("/tmp") && emptyDirs.contains(m.getName()))) {
                problems.add(in + ": /tmp must be an emptyDir mount (the root filesystem is read-only)");
            }
            for (String variable : List.of("MMAP_ARTIFACTS_DIR", "MMAP_CACHE_DIR")) {
                c.getEnv().stream().filter(e -> e.getName().equals(variable) && e.getValue() != null).forEach(e -> {
                    if (writable.stream().noneMatch(m -> e.getValue().equals(m) || e.getValue().startsWith(m + "/"))) {
                        problems.add(in + ": " + variable + "=" + e.getValue() + " is not on a writable mount");
                    }
                });
            }
            c.getEnv().stream().filter(e -> e.getName().contains("PASSWORD") && e.getValue() != null)
                    .forEach(e -> problems.add(in + ": env " + e.getName() + " holds a value; take it from a Secret"));
            // the Kafka password from the Secret of the service's own KafkaUser, no other
            String kafkaUser = "mmap-" + shortName;
            boolean ownKafkaSecret = c.getEnv().stream().anyMatch(e -> e.getName().equals("MMAP_KAFKA_PASSWORD")
                    && e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null
                    && kafkaUser.equals(e.getValueFrom().getSecretKeyRef().getName()));
            if (!ownKafkaSecret) {
                problems.add(in + ": MMAP_KAFKA_PASSWORD must come from the Secret of its KafkaUser " + kafkaUser);
            }
            List<String> secrets = c.getEnvFrom().stream().map(EnvFromSource::getSecretRef).filter(Objects::nonNull)
                    .map(r -> r.getName()).toList();
            if (!secrets.equals(List.of("mmap-" + shortName + "-db"))) {
                problems.add(in + ": envFrom secrets " + secrets + "; it needs exactly its own database Secret mmap-"
                        + shortName + "-db");
            }
        }
    }

    private static void network(String service, Deployment d, NetworkPolicy policy, List<String> problems) {
        String where = "NetworkPolicy/" + service;
        var spec = policy.getSpec();
        if (!d.getSpec().getTemplate().getMetadata().getLabels().entrySet()
                .containsAll(spec.getPodSelector().getMatchLabels().entrySet())
                || spec.getPodSelector().getMatchLabels().isEmpty()) {
            problems.add(where + ": its podSelector does not select the " + service + " pods");
        }
        if (!spec.getPolicyTypes().containsAll(List.of("Ingress", "Egress"))) {
            problems.add(where + ": policyTypes must list Ingress and Egress (a missing one leaves that way open)");
        }
        int api = ServiceConfig.of(service).httpPort();
        int metrics = ServiceConfig.of(service).managementPort();
        for (NetworkPolicyIngressRule rule : spec.getIngress()) {
            List<Integer> ports = ports(rule.getPorts());
            boolean onlyMonitoring = !rule.getFrom().isEmpty() && rule.getFrom().stream().allMatch(p -> p.getPodSelector() == null
                    && p.getIpBlock() == null && p.getNamespaceSelector() != null
                    && MONITORING_NAMESPACE.equals(p.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name")));
            if (ports.isEmpty()) {
                problems.add(where + ": an ingress rule without ports opens every port");
            }
            for (int port : ports) {
                if (port != api && !(port == metrics && onlyMonitoring)) {
                    problems.add(where + ": ingress on port " + port + (port == metrics
                            ? " (metrics) must come from the " + MONITORING_NAMESPACE + " namespace only"
                            : "; only the API port " + api + " may be reached"));
                }
            }
        }
        for (NetworkPolicyEgressRule rule : spec.getEgress()) {
            List<Integer> ports = ports(rule.getPorts());
            if (ports.isEmpty()) {
                problems.add(where + ": an egress rule without ports reaches every port");
            }
            for (int port : ports) {
                if (!EGRESS_PORTS.contains(port)) {
                    problems.add(where + ": egress to port " + port + "; a service needs only DNS, Kafka and PostgreSQL "
                            + EGRESS_PORTS);
                }
            }
            if (ports.contains(9092) && (rule.getTo().isEmpty() || rule.getTo().stream().anyMatch(t -> t.getPodSelector() == null
                    || !KAFKA_PODS.equals(t.getPodSelector().getMatchLabels())))) {
                problems.add(where + ": Kafka's port must be reached on the Kafka cluster's pods only " + KAFKA_PODS);
            }
        }
    }

    private static List<Integer> ports(List<NetworkPolicyPort> ports) {
        return ports.stream().map(p -> p.getPort() == null ? -1 : p.getPort().getIntVal() == null ? -1
                : p.getPort().getIntVal()).toList();
    }
}
