package org.mmapmtl.localstack;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Starts a {@link LocalStack} for a {@code @QuarkusTest} and points the service at it. With
 * {@code -Dmmap.local-stack.docker=false} the in-JVM broker is used even where Docker answers.
 */
public class LocalStackResource implements QuarkusTestResourceLifecycleManager {
    private LocalStack stack;

    @Override
    public Map<String, String> start() {
        boolean docker = Boolean.parseBoolean(System.getProperty("mmap.local-stack.docker", "true"));
        stack = LocalStack.start(new LocalStack.Settings(0, 0, null, docker));
        return stack.serviceConfig();
    }

    @Override
    public void stop() {
        if (stack != null) {
            stack.close();
        }
    }
}
