package org.mmapmtl.trainer.run;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * DOWN from the moment this trainer begins to stop: a load balancer or Kubernetes stops routing requests here while
 * the process still answers and hands its run back.
 */
@Readiness
@ApplicationScoped
public class TrainerReadiness implements HealthCheck {
    private volatile boolean stopping;

    void stopping() {
        stopping = true;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("trainer").status(!stopping).withData("stopping", stopping).build();
    }
}
