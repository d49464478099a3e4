package org.mmapmtl.trainer.run;

import org.mmapmtl.trainer.experiment.TrainingRun;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.mmapmtl.trainer.TrainerSettings;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Who trains which run, in the trainer's schema: a trainer claims the oldest queued run, or a running one whose
 * lease expired (its trainer died), with {@code FOR UPDATE SKIP LOCKED} so that two trainers never claim the same
 * run; it renews the lease while it trains, and only the lease holder may finish the run.
 */
@ApplicationScoped
public class RunClaims {
    @Inject
    EntityManager em;

    @Inject
    TrainerSettings settings;

    /** Claims one run for {@code owner}; empty when there is nothing to do. */
    public Optional<String> claim(String owner) {
        return QuarkusTransaction.requiringNew().call(() -> {
            @SuppressWarnings("unchecked")
            List<String> ids = em.createNativeQuery("""
                    select r.id from trainer.training_run r join trainer.experiment e on e.id = r.experiment_id
                    where not e.cancel_requested and r.device = ?1
                      and (r.state = 'queued' or (r.state = 'running' and r.lease_until < now()))
                    order by e.created_at, r.seq
                    limit 1
                    for update of r skip locked""")
                    .setParameter(1, settings.device().trim().toLowerCase(java.util.Locale.ROOT)).getResultList();
            if (ids.isEmpty()) {
                return Optional.<String>empty();
            }
            TrainingRun run = TrainingRun.findById(ids.get(0));
            run.state = TrainingRun.RUNNING;
            run.owner = owner;
            run.leaseUntil = Instant.now().plus(settings.worker().lease());
            run.attempts++;
            run.updatedAt = Instant.now();
            return Optional.of(run.id);
        });
    }

    /** @return false when the lease is no longer this owner's (another trainer took the run over) */
    public boolean renew(String runId, String owner) {
        return QuarkusTransaction.requiringNew().call(() -> TrainingRun.update(
                "leaseUntil = ?1 where id = ?2 and owner = ?3 and state = ?4",
                Instant.now().plus(settings.worker().lease()), runId, owner, TrainingRun.RUNNING) == 1);
    }
}
