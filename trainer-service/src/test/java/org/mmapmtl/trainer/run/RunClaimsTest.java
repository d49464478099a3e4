package org.mmapmtl.trainer.run;

import org.mmapmtl.trainer.experiment.TrainingRun;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.mmapmtl.experiment.DatasetSpec;
import org.mmapmtl.experiment.PromptSettings;
import org.mmapmtl.experiment.Recipe;
import org.mmapmtl.experiment.RunSpec;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.trainer.experiment.ExperimentsTestAccess;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two trainers on one database, as two replicas claim: each claims in its own transactions on its own connections,
 * concurrently; every run must be claimed exactly once, and a run whose lease lapsed goes to the other trainer,
 * whose predecessor then can no longer renew it. (This application trains nothing itself: its worker is off.)
 */
@QuarkusTest
@TestProfile(RunClaimsTest.WorkerOff.class)
@WithTestResource(LocalStackResource.class)
public class RunClaimsTest {
    public static class WorkerOff implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mmap.trainer.enabled", "false", "mmap.trainer.lease", "2s");
        }
    }

    @Inject
    RunClaims claims;

    @Inject
    org.mmapmtl.trainer.experiment.Experiments experiments;

    static RunSpec run(String experiment, int i, String device) {
        return new RunSpec(experiment, experiment + ".coop.s" + i, "coop", RunSpec.SINGLE, "coop", i, List.of("a"),
                List.of(List.of("a")), new DatasetSpec("folder", "/nowhere", 50.0, null, null, false, List.of("a")),
                "w", null, null, Recipe.paper(), PromptSettings.defaults(), 0, 0, device);
    }

    void queue(String experiment, int runs) {
        queue(experiment, runs, "cpu");
    }

    void queue(String experiment, int runs, String device) {
        QuarkusTransaction.requiringNew().run(() -> {
            ExperimentsTestAccess.create(experiment);
            for (int i = 0; i < runs; i++) {
                TrainingRun.queued(run(experiment, i, device), i).persist();
            }
        });
    }

    @Test
    void cancellingEndsARunWhoseTrainerDied() {
        queue("orphaned", 2);
        String run = claims.claim("dies").orElseThrow();
        while (!run.startsWith("orphaned.")) { // runs other tests left claimable come first
            run = claims.claim("dies").orElseThrow();
        }
        String orphan = run;
        QuarkusTransaction.requiringNew().run(() ->
                TrainingRun.update("leaseUntil = ?1 where id = ?2", Instant.now().minusSeconds(1), orphan));
        experiments.cancel("orphaned", new org.mmapmtl.trainer.experiment.Experiments.Caller("test", true));
        QuarkusTransaction.requiringNew().run(() -> assertThat(TrainingRun.of("orphaned"))
                .extracting(r -> r.state).containsOnly(TrainingRun.CANCELLED));
    }

    @Test
    void aCpuTrainerLeavesRunsThatAskForAGpu() {
        queue("wants-gpu", 2, "gpu");
        List<String> claimed = new ArrayList<>();
        for (Optional<String> c = claims.claim("cpu-trainer"); c.isPresent(); c = claims.claim("cpu-trainer")) {
            claimed.add(c.get());
        }
        assertThat(claimed).noneMatch(id -> id.startsWith("wants-gpu."));
        QuarkusTransaction.requiringNew().run(() -> assertThat(TrainingRun.of("wants-gpu"))
                .extracting(r -> r.state).containsOnly(TrainingRun.QUEUED));
    }

    @Test
    void twoTrainersClaimEveryRunExactlyOnce() throws Exception {
        queue("claims", 40);
        List<String> a = Collections.synchronizedList(new ArrayList<>());
        List<String> b = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService two = Executors.newFixedThreadPool(2);
        List<Future<?>> done = new ArrayList<>();
        for (var pair : List.of(Map.entry("trainer-a", a), Map.entry("trainer-b", b))) {
            done.add(two.submit(() -> {
                start.await();
                for (Optional<String> c = claims.claim(pair.getKey()); c.isPresent(); c = claims.claim(pair.getKey())) {
                    pair.getValue().add(c.get());
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get();
        }
        two.shutdown();
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        assertThat(all).doesNotHaveDuplicates().hasSize(40);
        assertThat(a).isNotEmpty();
        assertThat(b).isNotEmpty();
        QuarkusTransaction.requiringNew().run(() -> {
            for (String id : a) {
                assertThat(TrainingRun.<TrainingRun>findById(id).owner).isEqualTo("trainer-a");
            }
        });
    }

    @Test
    void aLapsedLeaseGoesToAnotherTrainer() throws Exception {
        queue("lapsed", 1);
        String run = claims.claim("dies").orElseThrow();
        assertThat(claims.claim("survivor")).isEmpty();
        assertThat(claims.renew(run, "dies")).isTrue();
        QuarkusTransaction.requiringNew().run(() ->
                TrainingRun.update("leaseUntil = ?1 where id = ?2", Instant.now().minusSeconds(1), run));
        assertThat(claims.claim("survivor")).contains(run);
        assertThat(claims.renew(run, "dies")).isFalse();
        assertThat(claims.renew(run, "survivor")).isTrue();
        QuarkusTransaction.requiringNew().run(() -> assertThat(TrainingRun.<TrainingRun>findById(run).attempts).isEqualTo(2));
    }
}
