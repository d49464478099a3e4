package org.mmapmtl.testing;

import org.mmapmtl.localstack.LocalStack;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Points a {@code @QuarkusTest} at a {@link LocalStack}. One stack serves the whole test JVM and outlives
 * Quarkus restarts between test profiles, as a real cluster outlives a service restart; it stops when the JVM
 * exits. With {@code -Dmmap.local-stack.docker=false} the in-JVM broker is used even where Docker answers.
 * Test fields of type {@link TopicProbe} annotated {@link InjectTopicProbe} get a probe of the stack's broker.
 */
public class LocalStackResource implements QuarkusTestResourceLifecycleManager {
    /**
     * Quarkus loads this class anew for every application it starts, so the running stack is found through
     * JVM-wide system properties rather than a static field.
     */
    private static final String SHARED = "mmap.local-stack.shared.";
    private static final String PROBE = "mmap.local-stack.probe.";
    private TopicProbe probe;

    @Override
    public Map<String, String> start() {
        synchronized (System.class) {
            if (System.getProperty(SHARED + "kafka.bootstrap.servers") == null) {
                boolean docker = Boolean.parseBoolean(System.getProperty("mmap.local-stack.docker", "true"));
                LocalStack stack = LocalStack.start(new LocalStack.Settings(0, 0, null, docker));
                Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "local-stack-shutdown"));
                StackFaults.Registration.register(stack);
                stack.serviceConfig().forEach((key, value) -> System.setProperty(SHARED + key, value));
                // the probe's settings: the stack's super user, never handed to the service under test
                stack.kafkaAdminSettings().forEach((key, value) -> System.setProperty(PROBE + key, value.toString()));
            }
            Map<String, String> config = new LinkedHashMap<>();
            System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith(SHARED))
                    .forEach(k -> config.put(k.substring(SHARED.length()), System.getProperty(k)));
            return config;
        }
    }

    @Override
    public void inject(TestInjector testInjector) {
        if (probe == null && System.getProperty(PROBE + "bootstrap.servers") != null) {
            Map<String, Object> client = new LinkedHashMap<>();
            System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith(PROBE))
                    .forEach(k -> client.put(k.substring(PROBE.length()), System.getProperty(k)));
            probe = new TopicProbe(client);
        }
        testInjector.injectIntoFields(probe,
                new TestInjector.AnnotatedAndMatchesType(InjectTopicProbe.class, TopicProbe.class));
    }

    @Override
    public void stop() {
        if (probe != null) {
            probe.close();
            probe = null;
        }
        // the stack outlives this Quarkus application; the shutdown hook stops it with the JVM
    }
}
