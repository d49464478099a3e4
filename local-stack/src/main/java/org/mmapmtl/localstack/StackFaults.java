package org.mmapmtl.localstack;

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
     * Stops PostgreSQL, does {@code during} (sending records, say), holds the outage for {@code hold} so that the
     * services meet it, and starts PostgreSQL again, whatever happened in between.
     */
    static void whilePostgresDown(java.time.Duration hold, Runnable during) throws InterruptedException {
        StackFaults stack = ofThisJvm();
        stack.stopPostgres();
        try {
            during.run();
            Thread.sleep(hold.toMillis());
        } finally {
            stack.startPostgres();
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
