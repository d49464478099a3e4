package org.mmapmtl.service;

import io.smallrye.faulttolerance.api.ApplyGuard;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.faulttolerance.api.Guard;
import jakarta.inject.Singleton;
import jakarta.enterprise.inject.Produces;
import org.jboss.logging.Logger;

import java.time.temporal.ChronoUnit;

/**
 * The retry policy of every Kafka intake, stated once; an intake method carries {@code @ApplyGuard(IntakeGuard.NAME)}.
 * A record the database cannot take now (what {@link DatabaseUnavailable} recognises) is kept and tried again, without
 * end, backing off from 200 ms to 10 s; the consumer holds its position meanwhile, so nothing is lost or reordered. Any
 * other failure is not retried: the record goes to the topic's dead-letter topic and the consumer goes on.
 */
@Singleton
public class IntakeGuard {
    public static final String NAME = "kafka-intake";
    private static final Logger LOG = Logger.getLogger(IntakeGuard.class);

    @Produces
    @Identifier(NAME)
    static final Guard GUARD = Guard.create()
            .withDescription("a Kafka intake")
            .withRetry()
            .maxRetries(-1).maxDuration(0, ChronoUnit.MILLIS)
            .delay(200, ChronoUnit.MILLIS).jitter(100, ChronoUnit.MILLIS)
            .withExponentialBackoff().maxDelay(10, ChronoUnit.SECONDS).done()
            .whenException(new DatabaseUnavailable())
            // said before each retry: without it a consumer stuck on an unreachable database would be silent until
            // its health check gives up on it
            .beforeRetry(failure -> LOG.warnf("a Kafka intake waits for the database (%s); its record is kept and "
                    + "tried again", DatabaseUnavailable.describe(failure)))
            .done()
            .build();
}
