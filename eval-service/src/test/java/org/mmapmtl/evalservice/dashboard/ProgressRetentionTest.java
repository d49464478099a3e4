package org.mmapmtl.evalservice.dashboard;

import io.quarkus.hibernate.orm.panache.Panache;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.mmapmtl.evalservice.activity.ExperimentActivity;
import org.mmapmtl.testing.LocalStackResource;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Old experiments' step reports are thinned to about keep-per-run per run, keeping the curve's spread, each epoch's
 * last report and every state change; recent experiments are not touched, and a thinned one is not rescanned.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class ProgressRetentionTest {
    @Inject
    ProgressRetention retention;

    /** {@code steps} running reports over two epochs, a queued one before and a done one after, {@code at} onwards. */
    private static void reports(String experiment, String run, int steps, Instant at) {
        QuarkusTransaction.requiringNew().run(() -> {
            var em = Panache.getEntityManager();
            em.createNativeQuery("""
                    insert into {h-schema}run_progress (experiment_id, run_id, variant, state, step, total_steps, epoch, epochs,
                                              loss, reported_at)
                    select ?1, ?2, 'mmap', 'running', s, ?3, case when s <= ?3 / 2 then 1 else 2 end, 2, 1.0 / s,
                           cast(?4 as timestamptz) + s * interval '1 second'
                    from generate_series(1, ?3) s""")
                    .setParameter(1, experiment).setParameter(2, run).setParameter(3, steps)
                    .setParameter(4, Timestamp.from(at)).executeUpdate();
            for (String state : List.of("queued", "done")) {
                em.createNativeQuery("""
                        insert into {h-schema}run_progress (experiment_id, run_id, variant, state, step, total_steps, epoch, epochs,
                                                  reported_at)
                        values (?1, ?2, 'mmap', ?3, ?4, ?5, ?6, 2, ?7)""")
                        .setParameter(1, experiment).setParameter(2, run).setParameter(3, state)
                        .setParameter(4, state.equals("queued") ? 0 : steps).setParameter(5, steps)
                        .setParameter(6, state.equals("queued") ? 0 : 2)
                        .setParameter(7, Timestamp.from(state.equals("queued") ? at : at.plusSeconds(steps + 1)))
                        .executeUpdate();
            }
            ExperimentActivity.touch(experiment, at.plusSeconds(steps + 1));
        });
    }

    private static List<Object[]> kept(String run) {
        return QuarkusTransaction.requiringNew().call(() -> Panache.getEntityManager().createNativeQuery(
                "select state, step, epoch from {h-schema}run_progress where run_id = ?1 order by reported_at, step", Object[].class)
                .setParameter(1, run).getResultList());
    }

    @Test
    void quietExperimentsKeepTheirCurvesShapeEpochEndsAndStatesOnly() {
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        reports("retention-old", "retention-old.mmap.s1", 1000, now.minus(Duration.ofDays(10)));
        reports("retention-old", "retention-old.vpt.s1", 150, now.minus(Duration.ofDays(10)));
        reports("retention-new", "retention-new.mmap.s1", 1000, now.minus(Duration.ofHours(1)));

        assertThat(retention.thin(now)).isEqualTo(1000 - 200 - 2);

        List<Object[]> old = kept("retention-old.mmap.s1");
        // every 5th of the other steps (1, 6, ..., 496, 502, ..., 997), each epoch's last (500, 1000), queued, done
        assertThat(old).hasSize(200 + 2 + 2);
        assertThat(old.get(0)[0]).isEqualTo("queued");
        assertThat(old.get(old.size() - 1)[0]).isEqualTo("done");
        List<Long> steps = old.stream().filter(r -> r[0].equals("running")).map(r -> ((Number) r[1]).longValue()).toList();
        assertThat(steps).contains(1L, 6L, 496L, 500L, 502L, 997L, 1000L).doesNotContain(2L, 501L, 999L);
        assertThat(kept("retention-old.vpt.s1")).as("a run under the limit keeps every report").hasSize(152);
        assertThat(kept("retention-new.mmap.s1")).as("a recent experiment is not touched").hasSize(1002);

        assertThat(retention.thin(now.plusSeconds(60))).as("a thinned experiment is not scanned again").isZero();
        assertThat(QuarkusTransaction.requiringNew().call(() -> ExperimentActivity.<ExperimentActivity>findById("retention-old")
                .progressThinnedAt)).isEqualTo(now);
        // a pass that meets a thinned experiment again (another replica's, or after new activity) deletes nothing more
        QuarkusTransaction.requiringNew().run(() -> Panache.getEntityManager().createNativeQuery(
                "update {h-schema}experiment_activity set progress_thinned_at = null").executeUpdate());
        assertThat(retention.thin(now.plusSeconds(120))).as("a thinned run is within the limit").isZero();
    }
}
