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

/** The partition decided for an experiment, kept as the event's own JSON; one per experiment (its natural key). */
@Entity
@Table(name = "task_partition")
public class ReceivedPartition extends PanacheEntityBase {
    @Id
    @Column(name = "experiment_id", length = 128)
    public String experimentId;

    @Column(nullable = false, columnDefinition = "text")
    public String payload;

    @Column(name = "received_at", nullable = false)
    public Instant receivedAt;

    static ReceivedPartition of(TaskPartition partition) {
        ReceivedPartition r = new ReceivedPartition();
        r.experimentId = partition.experimentId();
        r.payload = new String(EventCodecs.PARTITION.encode(partition), StandardCharsets.UTF_8);
        r.receivedAt = Instant.now();
        return r;
    }

    TaskPartition partition() {
        return EventCodecs.PARTITION.decode(payload.getBytes(StandardCharsets.UTF_8));
    }
}
