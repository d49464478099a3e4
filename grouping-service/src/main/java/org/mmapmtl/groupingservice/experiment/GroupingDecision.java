package org.mmapmtl.groupingservice.experiment;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.TaskPartition;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** The partition decided for an experiment, and whether mmap.partitions has acknowledged it. */
@Entity
@Table(name = "grouping_decision")
public class GroupingDecision extends PanacheEntityBase {
    @Id
    @Column(name = "experiment_id", length = 128)
    public String experimentId;

    @Column(nullable = false, columnDefinition = "text")
    public String payload;

    @Column(name = "decided_at", nullable = false)
    public Instant decidedAt;

    @Column(name = "published_at")
    public Instant publishedAt;

    static GroupingDecision of(TaskPartition partition) {
        GroupingDecision d = new GroupingDecision();
        d.experimentId = partition.experimentId();
        d.payload = new String(EventCodecs.PARTITION.encode(partition), StandardCharsets.UTF_8);
        d.decidedAt = partition.decidedAt();
        return d;
    }

    TaskPartition partition() {
        return EventCodecs.PARTITION.decode(payload.getBytes(StandardCharsets.UTF_8));
    }
}
