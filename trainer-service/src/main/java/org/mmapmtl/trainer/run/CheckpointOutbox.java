package org.mmapmtl.trainer.run;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import java.io.Serializable;
import java.time.Instant;

/**
 * A checkpoint to announce on mmap.checkpoints: recorded once per (run, epoch) after its file is durable, sent
 * from here until the broker acknowledges it. Recording it again (a resumed run meeting its own file) changes nothing.
 */
@Entity
@Table(name = "checkpoint_outbox")
@IdClass(CheckpointOutbox.Key.class)
public class CheckpointOutbox extends PanacheEntityBase {
    public record Key(String runId, int epoch) implements Serializable {
        public Key() {
            this(null, 0);
        }
    }

    @Id
    @Column(name = "run_id", length = 160)
    public String runId;

    @Id
    public int epoch;

    /** the record's key */
    @Column(name = "experiment_id", nullable = false, length = 128)
    public String experimentId;

    @Column(nullable = false, columnDefinition = "text")
    public String payload;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "published_at")
    public Instant publishedAt;
}
