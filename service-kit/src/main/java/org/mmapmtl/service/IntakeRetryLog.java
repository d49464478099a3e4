package org.mmapmtl.service;

import io.smallrye.faulttolerance.api.BeforeRetryHandler;
import jakarta.enterprise.context.Dependent;
import org.eclipse.microprofile.faulttolerance.ExecutionContext;
import org.jboss.logging.Logger;

/**
 * Says, before each retry of a Kafka intake held up by the database, which intake waits and why; without it a
 * consumer stuck on an unreachable database would be silent until its health check gives up on it.
 */
@Dependent
public class IntakeRetryLog implements BeforeRetryHandler {
    private static final Logger LOG = Logger.getLogger(IntakeRetryLog.class);

    @Override
    public void handle(ExecutionContext context) {
        String reason = DatabaseUnavailable.describe(context.getFailure());
        LOG.warnf("%s.%s waits for the database (%s); its record is kept and tried again",
                context.getMethod().getDeclaringClass().getSimpleName(), context.getMethod().getName(),
                reason == null ? String.valueOf(context.getFailure()) : reason);
    }
}
