package org.mmapmtl.trainer.experiment;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.mmapmtl.events.TaskPartition;
import org.mmapmtl.experiment.ExperimentSpec;
import org.mmapmtl.experiment.Variant;
import org.mmapmtl.service.Paging;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Experiments as a user follows them: a page of summaries, and one experiment with its runs and partition. */
@ApplicationScoped
public class ExperimentViews {
    @Inject
    Experiments experiments;

    /** One run as a user follows it. */
    public record RunView(String runId, String variant, String stage, String method, long seed, List<String> tasks,
                          String state, int attempts, String owner, int epoch, int epochs, long step, long totalSteps,
                          Double loss, Double imagesPerSecond, Long etaMillis, String error) {
        static RunView of(TrainingRun r) {
            var spec = r.runSpec();
            return new RunView(r.id, r.variant, r.stage, spec.method(), spec.seed(), spec.tasks(), r.state, r.attempts,
                    r.owner, r.epoch, r.epochs, r.step, r.totalSteps, r.loss, r.imagesPerSecond, r.etaMs, r.error);
        }
    }

    /**
     * @param partition         the groups phase 2 trains, once decided (per seed: the first seed's); null before
     * @param partitionsBySeed  with grouping.phase1 per-seed, each seed's partition as it arrives (absent otherwise)
     * @param runsAfterGrouping phase-2 runs not planned yet because the partition has not arrived: at most this many
     *                          (one per group, per seed, of each grouped method; 0 once they are planned)
     */
    public record ExperimentView(String id, String owner, Phase phase, Instant createdAt, Instant updatedAt, boolean cancelRequested,
                                 List<String> methods, List<String> tasks, TaskPartition partition,
                                 @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                                 Map<Long, TaskPartition> partitionsBySeed, List<RunView> runs, int runsAfterGrouping) {
    }

    public record ExperimentSummary(String id, Phase phase, Instant createdAt, Instant updatedAt, long runs, long runsDone) {
    }

    /** Newest first. */
    public List<ExperimentSummary> page(Paging paging) {
        List<Experiment> page = Experiment.<Experiment>findAll(Sort.by("createdAt").descending().and("id"))
                .range(paging.offset(), paging.offset() + paging.limit() - 1).list();
        Map<String, TrainingRun.Counts> runs = TrainingRun.countsOf(page.stream().map(e -> e.id).toList());
        return page.stream().map(e -> {
            TrainingRun.Counts counts = runs.getOrDefault(e.id, TrainingRun.Counts.NONE);
            return new ExperimentSummary(e.id, e.phase, e.createdAt, e.updatedAt, counts.runs(), counts.done());
        }).toList();
    }

    /** @throws org.mmapmtl.service.ProblemException 404 when there is no such experiment */
    public ExperimentView view(String id) {
        return QuarkusTransaction.joiningExisting().call(() -> {
            Experiment e = experiments.find(id);
            ExperimentSpec spec = e.experimentSpec();
            Map<Long, ReceivedPartition> bySeed = spec == null ? Map.of() : ReceivedPartition.bySeed(id, spec);
            ReceivedPartition p = spec == null ? ReceivedPartition.findById(id)
                    : bySeed.values().stream().findFirst().orElse(null);
            int later = 0;
            if (spec != null) {
                long grouped = spec.methods().stream().filter(m -> Variant.parse(m).needsPartition()).count();
                later = (int) (grouped * (spec.seeds().size() - bySeed.size()) * spec.dataset().tasks().size());
            }
            Map<Long, TaskPartition> partitions = spec == null || !spec.grouping().perSeed() ? null : new java.util.TreeMap<>();
            if (partitions != null) {
                bySeed.forEach((seed, r) -> partitions.put(seed, r.partition()));
            }
            return new ExperimentView(e.id, e.owner, e.phase, e.createdAt, e.updatedAt, e.cancelRequested,
                    spec == null ? List.of() : spec.methods(), spec == null ? List.of() : spec.dataset().tasks(),
                    p == null ? null : p.partition(), partitions, TrainingRun.of(id).stream().map(RunView::of).toList(), later);
        });
    }
}
