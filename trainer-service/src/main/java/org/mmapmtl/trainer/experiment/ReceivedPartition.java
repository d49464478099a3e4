package org.mmapmtl.trainer.experiment;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.TaskPartition;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A partition decided for an experiment, kept as the event's own JSON, under the key it answers (the event's
 * experimentId: the experiment's id, or per seed {@code id.sN}); one per key (its natural key).
 */
@Entity
@Table(name = "task_partition")
public class ReceivedPartition extends PanacheEntityBase {
    @Id
    @Column(name = "experiment_id", length = 128)
    public String experimentId;

    /** The experiment the partition belongs to. */
    @Column(nullable = false, length = 128)
    public String experiment;

    @Column(nullable = false, columnDefinition = "text")
    public String payload;

    @Column(name = "received_at", nullable = false)
    public Instant receivedAt;

    static ReceivedPartition of(TaskPartition partition, String experiment) {
        ReceivedPartition r = new ReceivedPartition();
        r.experimentId = partition.experimentId();
        r.experiment = experiment;
        r.payload = new String(EventCodecs.PARTITION.encode(partition), StandardCharsets.UTF_8);
        r.receivedAt = Instant.now();
        return r;
    }

    /**
     * The partitions an experiment's phase 2 waits for, by seed: with {@code grouping.phase1: per-seed} each seed's own
     * (received under {@code id.sN}), else the one partition (under the experiment's id) for every seed. A seed whose
     * partition has not arrived is missing from the map.
     */
    static java.util.Map<Long, ReceivedPartition> bySeed(String experimentId, org.mmapmtl.experiment.ExperimentSpec spec) {
        java.util.Map<Long, ReceivedPartition> out = new java.util.TreeMap<>();
        for (long seed : spec.seeds()) {
            ReceivedPartition p = findById(org.mmapmtl.trainer.spec.ExperimentPlan.groupingKey(spec, seed));
            if (p != null) {
                out.put(seed, p);
            }
        }
        return out;
    }

    TaskPartition partition() {
        return EventCodecs.PARTITION.decode(payload.getBytes(StandardCharsets.UTF_8));
    }
}
