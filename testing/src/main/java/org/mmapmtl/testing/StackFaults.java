package org.mmapmtl.testing;

import org.mmapmtl.localstack.LocalStack;

import javax.management.InstanceAlreadyExistsException;
import javax.management.JMX;
import javax.management.JMException;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import java.lang.management.ManagementFactory;

/**
 * Faults a test may inflict on the local stack its JVM shares ({@link LocalStackResource}). Quarkus runs each test
 * application in a class loader of its own, so the stack is reached as a platform MBean rather than a static field.
 */
public interface StackFaults {

    /** Fast shutdown of PostgreSQL: connections end and new ones are refused until {@link #startPostgres()}. */
    void stopPostgres();

    void startPostgres();

    /**
     * Stops PostgreSQL, does {@code during} (sending records, say), keeps the database down until {@code met} holds
     * (the services have met the outage), at most {@code atMost}, and starts PostgreSQL again whatever happened.
     */
    static void whilePostgresDown(java.time.Duration atMost, Runnable during, java.util.function.BooleanSupplier met)
            throws InterruptedException {
        StackFaults stack = ofThisJvm();
        stack.stopPostgres();
        Throwable failed = null;
        try {
            during.run();
            long deadline = System.nanoTime() + atMost.toNanos();
            while (!met.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the services did not meet the database outage within " + atMost);
                }
                Thread.sleep(100);
            }
        } catch (RuntimeException | InterruptedException | Error e) {
            failed = e;
            throw e;
        } finally {
            try {
                stack.startPostgres();
            } catch (RuntimeException e) {
                // the failure in between is the one to see; a failed start comes with it
                if (failed == null) {
                    throw e;
                }
                failed.addSuppressed(e);
            }
        }
    }

    /**
     * How often SmallRye Fault Tolerance has retried a method ({@code "GradientIntake.receive"}), read from a service's
     * Prometheus metrics; 0 before the first retry.
     */
    static double retries(java.net.URL metrics, String method) {
        try {
            String text = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(metrics.toURI())
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            return text.lines().filter(l -> l.startsWith("ft_retry_retries_total{") && l.contains(method + "\""))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        } catch (java.io.IOException | java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot read " + metrics + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The stack of this JVM; fails when none was started by {@link LocalStackResource}. */
    static StackFaults ofThisJvm() {
        if (!ManagementFactory.getPlatformMBeanServer().isRegistered(Registration.NAME)) {
            throw new IllegalStateException("no local stack in this JVM: annotate the test @WithTestResource(LocalStackResource.class)");
        }
        return JMX.newMBeanProxy(ManagementFactory.getPlatformMBeanServer(), Registration.NAME, StackFaults.class);
    }

    final class Registration {
        static final ObjectName NAME = name();

        private Registration() {
        }

        static void register(LocalStack stack) {
            StackFaults faults = new StackFaults() {
                @Override
                public void stopPostgres() {
                    stack.stopPostgres();
                }

                @Override
                public void startPostgres() {
                    stack.startPostgres();
                }
            };
            try {
                ManagementFactory.getPlatformMBeanServer().registerMBean(new StandardMBean(faults, StackFaults.class), NAME);
            } catch (InstanceAlreadyExistsException e) {
                throw new IllegalStateException("a second local stack in one JVM", e);
            } catch (JMException e) {
                throw new IllegalStateException("cannot register the local stack's faults as an MBean", e);
            }
        }

        private static ObjectName name() {
            try {
                return new ObjectName("org.mmapmtl:type=LocalStack");
            } catch (MalformedObjectNameException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
