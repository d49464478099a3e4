package org.mmapmtl.cli;

import org.mmapmtl.events.KafkaPrincipal;
import org.mmapmtl.localstack.LocalStack;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the tests that launch packaged services give them: the stack to talk to, and a state folder as data root. */
final class ServiceEnvironment {
    private ServiceEnvironment() {
    }

    static Map<String, String> of(LocalStack stack, Path state) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", stack.kafkaBootstrapServers());
        env.put("QUARKUS_DATASOURCE_JDBC_URL", stack.jdbcUrl());
        // every service's Kafka password: a test launches whichever services it needs with the same environment
        for (KafkaPrincipal p : KafkaPrincipal.values()) {
            env.put("MMAP_KAFKA_PASSWORD_" + p.service().toUpperCase(java.util.Locale.ROOT), stack.kafkaPassword(p));
        }
        env.put("MMAP_DATA_ROOTS", state.toString());
        env.put("MMAP_ARTIFACTS_DIR", state.resolve("artifacts").toString());
        env.put("MMAP_TRAINER_POLL", "200ms");
        env.put("MMAP_AUTH_PUBLIC_KEY", stack.auth().publicKey().toString());
        return env;
    }

    /** A client of a service launched with {@link #of}, sending an admin's token that the service trusts. */
    static ServiceClient client(LocalStack stack, String url, String name) {
        return new ServiceClient(url, name, stack.auth().token("test-admin", java.time.Duration.ofHours(2), "admin"));
    }
}
