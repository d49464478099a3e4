package org.mmapmtl.groupingservice.experiment;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;
import org.mmapmtl.events.GradientSnapshot;
import org.mmapmtl.events.TaskPartition;
import org.mmapmtl.grouping.AffinityMatrix;
import org.mmapmtl.grouping.GradientSimilarity;
import org.mmapmtl.grouping.GroupingObjective;
import org.mmapmtl.grouping.Partition;
import org.mmapmtl.grouping.PartitionSearch;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The grouping state of every experiment in the database: snapshots wait until all tasks of their index are in,
 * then become one similarity matrix; when every snapshot is in, the mean affinity decides the partition.
 * Each step commits with the record that caused it, so a restart anywhere loses nothing and a redelivered
 * record changes nothing.
 */
@ApplicationScoped
public class GroupingLedger {
    private static final Logger LOG = Logger.getLogger(GroupingLedger.class);

    @Inject
    GroupingSettings settings;

    /** Records one snapshot; returns the partition if this snapshot was the last one the experiment needed. */
    @Transactional
    public Optional<TaskPartition> record(GradientSnapshot s) {
        GroupingExperiment experiment = GroupingExperiment.findById(s.experimentId());
        if (experiment == null) {
            experiment = GroupingExperiment.startedBy(s);
        } else {
            experiment.requireConsistent(s);
        }
        if (GroupingDecision.findById(s.experimentId()) != null || SnapshotAffinity.exists(s.experimentId(), s.snapshot())
                || ReceivedSnapshot.find(s.experimentId(), s.task(), s.snapshot()).isPresent()) {
            LOG.debugf("snapshot %d of task %s in %s already counted; ignored", s.snapshot(), s.task(), s.experimentId());
            return Optional.empty();
        }
        ReceivedSnapshot.of(s).persist();

        List<String> tasks = experiment.taskList();
        List<ReceivedSnapshot> pending = ReceivedSnapshot.pending(s.experimentId(), s.snapshot());
        if (pending.size() < tasks.size()) {
            return Optional.empty();
        }
        pending.sort(Comparator.comparingInt(r -> tasks.indexOf(r.task)));
        List<float[]> gradients = new ArrayList<>();
        pending.forEach(r -> gradients.add(r.gradientValues()));
        long step = pending.stream().mapToLong(r -> r.step).max().orElse(s.step());
        SnapshotAffinity.of(s.experimentId(), s.snapshot(), step, similarity(experiment).matrix(gradients)).persist();
        ReceivedSnapshot.delete("experimentId = ?1 and snapshot = ?2", s.experimentId(), s.snapshot());

        List<SnapshotAffinity> complete = SnapshotAffinity.allOf(s.experimentId());
        if (complete.size() < experiment.snapshots) {
            return Optional.empty();
        }
        TaskPartition partition = decide(experiment, complete);
        GroupingDecision.of(partition).persist();
        LOG.infof("experiment %s: groups %s (%s, score %.4f)", partition.experimentId(), partition.groups(),
                partition.solver(), partition.score());
        return Optional.of(partition);
    }

    private TaskPartition decide(GroupingExperiment experiment, List<SnapshotAffinity> snapshots) {
        List<String> tasks = experiment.taskList();
        AffinityMatrix affinity = new AffinityMatrix(tasks, SnapshotAffinity.mean(snapshots));
        Partition p = PartitionSearch.solve(affinity, objective(experiment), settings.searchOptions());
        return new TaskPartition(experiment.experimentId, tasks, affinity.values(), p.named(tasks), p.objective(),
                p.score(), p.solver().label(), snapshots.size(), Instant.now().truncatedTo(ChronoUnit.MICROS));
    }

    /** The experiment's own similarity (from its snapshots), else the service's. */
    private GradientSimilarity similarity(GroupingExperiment experiment) {
        GradientSnapshot.Grouping g = experiment.grouping();
        return g == null ? settings.gradientSimilarity() : GradientSimilarity.valueOf(g.similarity().toUpperCase(Locale.ROOT));
    }

    private GroupingObjective objective(GroupingExperiment experiment) {
        GradientSnapshot.Grouping g = experiment.grouping();
        return g == null ? settings.groupingObjective() : GroupingObjective.parse(g.objective(), g.k(), g.tau());
    }
}
