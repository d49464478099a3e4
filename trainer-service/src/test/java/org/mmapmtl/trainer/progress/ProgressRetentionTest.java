package org.mmapmtl.trainer.progress;

import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.mmapmtl.testing.LocalStackResource;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An ended experiment's progress log is thinned once retention's time has passed: each run keeps an even spread of
 * its step reports, each epoch's last and every state change, and the experiment's own reports all stay; running or
 * recently ended experiments are not touched.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class ProgressRetentionTest {
    @Inject
    ProgressRetention retention;

    /** An experiment in {@code phase} last updated at {@code at}, its log as {@link #log} makes it. */
    private static void experiment(String id, String phase, Instant at, int steps) {
        QuarkusTransaction.requiringNew().run(() -> {
            var em = Panache.getEntityManager();
            em.createNativeQuery("insert into {h-schema}experiment (id, phase, created_at, updated_at, cancel_requested) "
                            + "values (?1, ?2, ?3, ?3, false)")
                    .setParameter(1, id).setParameter(2, phase).setParameter(3, Timestamp.from(at)).executeUpdate();
            String run = id + ".mmap.s1";
            // the experiment's own phase report, the run's queued report, its steps over two epochs, its done report
            em.createNativeQuery("""
                    insert into {h-schema}progress_log (experiment_id, payload, created_at)
                    select ?1, json_build_object('schema', 'mmap.progress/1.0', 'experimentId', ?1, 'runId', r.run,
                                                 'state', r.state, 'step', r.step, 'totalSteps', ?3, 'epoch', r.epoch,
                                                 'epochs', 2)::text, cast(?4 as timestamptz)
                    from (select null as run, 'running' as state, 0 as step, 0 as epoch, 0 as o
                          union all select ?2, 'queued', 0, 0, 1
                          union all select ?2, 'running', s, case when s <= ?3 / 2 then 1 else 2 end, 1 + s
                                    from generate_series(1, ?3) s
                          union all select ?2, 'done', ?3, 2, ?3 + 2) r
                    order by r.o""")
                    .setParameter(1, id).setParameter(2, run).setParameter(3, steps).setParameter(4, Timestamp.from(at))
                    .executeUpdate();
        });
    }

    @SuppressWarnings("unchecked")
    private static List<Object[]> log(String experiment) {
        return QuarkusTransaction.requiringNew().call(() -> Panache.getEntityManager().createNativeQuery("""
                        select cast(payload as jsonb) ->> 'state', cast(cast(payload as jsonb) ->> 'step' as bigint),
                               cast(payload as jsonb) ->> 'runId'
                        from {h-schema}progress_log where experiment_id = ?1 order by id""", Object[].class)
                .setParameter(1, experiment).getResultList());
    }

    @Test
    void endedExperimentsKeepAnEvenSpreadEpochEndsAndEveryStateChange() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        experiment("retain-ended", "DONE", now.minus(Duration.ofDays(10)), 1000);
        experiment("retain-recent", "DONE", now.minus(Duration.ofHours(1)), 1000);
        experiment("retain-running", "GROUP_TRAINING", now.minus(Duration.ofDays(10)), 1000);

        assertThat(retention.thin(now)).isEqualTo(1000 - 200 - 2);

        List<Object[]> kept = log("retain-ended");
        // the phase report, queued, every 5th of the other steps (1, ..., 496, 502, ..., 997), each epoch's last, done
        assertThat(kept).hasSize(1 + 1 + 200 + 2 + 1);
        assertThat(kept.get(0)[2]).as("the experiment's own report").isNull();
        assertThat(kept.get(1)[0]).isEqualTo("queued");
        assertThat(kept.get(kept.size() - 1)[0]).isEqualTo("done");
        List<Long> steps = kept.stream().filter(r -> r[2] != null && r[0].equals("running"))
                .map(r -> ((Number) r[1]).longValue()).toList();
        assertThat(steps).contains(1L, 6L, 496L, 500L, 502L, 997L, 1000L).doesNotContain(2L, 501L, 999L);
        assertThat(log("retain-recent")).as("ended an hour ago").hasSize(1003);
        assertThat(log("retain-running")).as("still running").hasSize(1003);

        assertThat(retention.thin(now.plusSeconds(60))).as("a thinned experiment is not scanned again").isZero();
        // a pass that meets a thinned experiment again (another replica's, or after new activity) deletes nothing more
        QuarkusTransaction.requiringNew().run(() -> Panache.getEntityManager().createNativeQuery(
                "update {h-schema}experiment set progress_thinned_at = null").executeUpdate());
        assertThat(retention.thin(now.plusSeconds(120))).as("a thinned run is within the limit").isZero();
    }
}
