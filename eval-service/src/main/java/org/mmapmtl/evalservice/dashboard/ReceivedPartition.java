package org.mmapmtl.evalservice.dashboard;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.TaskPartition;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** The grouping service's decision for an experiment, as received on mmap.partitions (the first one counts). */
@Entity
@Table(name = "experiment_partition")
public class ReceivedPartition extends PanacheEntityBase {
    @Id
    @Column(name = "experiment_id")
    public String experimentId;

    @Column(nullable = false, columnDefinition = "text")
    public String payload;

    @Column(name = "received_at", nullable = false)
    public Instant receivedAt;

    public TaskPartition partition() {
        return EventCodecs.PARTITION.decode(payload.getBytes(StandardCharsets.UTF_8));
    }

    static void storeFirst(TaskPartition partition) {
        getEntityManager().createNativeQuery("""
                        insert into {h-schema}experiment_partition (experiment_id, payload, received_at) values (?1, ?2, ?3)
                        on conflict do nothing""")
                .setParameter(1, partition.experimentId())
                .setParameter(2, new String(EventCodecs.PARTITION.encode(partition), StandardCharsets.UTF_8))
                .setParameter(3, java.sql.Timestamp.from(Instant.now()))
                .executeUpdate();
    }
}
