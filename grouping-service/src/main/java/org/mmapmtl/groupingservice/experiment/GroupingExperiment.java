package org.mmapmtl.groupingservice.experiment;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.mmapmtl.events.EventFormatException;
import org.mmapmtl.events.GradientSnapshot;

import java.time.Instant;
import java.util.List;

/** An experiment as its first gradient snapshot announced it: its tasks, snapshot count and gradient length. */
@Entity
@Table(name = "grouping_experiment")
public class GroupingExperiment extends PanacheEntityBase {
    @Id
    @Column(name = "experiment_id", length = 128)
    public String experimentId;

    @Column(nullable = false, columnDefinition = "text")
    public String tasks;

    @Column(nullable = false)
    public int snapshots;

    @Column(nullable = false)
    public int dimension;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    /** The experiment's own grouping settings (mmap.gradient/1.1); null: the service's configuration decides. */
    @Column(length = 32)
    public String objective;

    public Integer k;

    public Double tau;

    @Column(length = 16)
    public String similarity;

    static GroupingExperiment startedBy(GradientSnapshot s) {
        GroupingExperiment e = new GroupingExperiment();
        e.experimentId = s.experimentId();
        e.tasks = String.join(",", s.tasks());
        e.snapshots = s.snapshots();
        e.dimension = s.gradient().length;
        e.createdAt = Instant.now();
        if (s.grouping() != null) {
            e.objective = s.grouping().objective();
            e.k = s.grouping().k();
            e.tau = s.grouping().tau();
            e.similarity = s.grouping().similarity();
        }
        e.persist();
        return e;
    }

    public GradientSnapshot.Grouping grouping() {
        return objective == null ? null : new GradientSnapshot.Grouping(objective, k, tau, similarity);
    }

    public List<String> taskList() {
        return List.of(tasks.split(","));
    }

    /** A snapshot that disagrees with the experiment is a producer bug: rejected, so it lands in the DLQ. */
    void requireConsistent(GradientSnapshot s) {
        if (!taskList().equals(s.tasks())) {
            throw new EventFormatException("snapshot names tasks " + s.tasks() + " but experiment " + experimentId
                    + " was started with tasks " + taskList());
        }
        if (snapshots != s.snapshots()) {
            throw new EventFormatException("snapshot announces " + s.snapshots() + " snapshots but experiment "
                    + experimentId + " announced " + snapshots);
        }
        if (!java.util.Objects.equals(grouping(), s.grouping())) {
            throw new EventFormatException("snapshot asks for grouping " + s.grouping() + " but experiment " + experimentId
                    + " asked for " + grouping() + " before");
        }
        if (dimension != s.gradient().length) {
            throw new EventFormatException("gradient has " + s.gradient().length + " values but experiment "
                    + experimentId + " sent " + dimension + " before: all must flatten the same parameters");
        }
    }
}
