package org.mmapmtl.trainer.experiment;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.mmapmtl.experiment.ExperimentSpec;
import org.mmapmtl.experiment.SpecJson;

import java.time.Instant;

@Entity
@Table(name = "experiment")
public class Experiment extends PanacheEntityBase {
    @Id
    @Column(length = 128)
    public String id;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 32)
    public Phase phase;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    /** The submitted spec with defaults filled in; null for an experiment known only from a partition record. */
    @Column(columnDefinition = "text")
    public String spec;

    @Column(name = "cancel_requested", nullable = false)
    public boolean cancelRequested;

    @Column(columnDefinition = "text")
    public String error;

    /** Who submitted it: the principal of their token; null for experiments from before identities. */
    @Column(length = 256)
    public String owner;

    static Experiment create(String id, Phase phase) {
        Experiment e = new Experiment();
        e.id = id;
        e.phase = phase;
        e.createdAt = Instant.now();
        e.updatedAt = e.createdAt;
        e.persist();
        return e;
    }

    public ExperimentSpec experimentSpec() {
        return spec == null ? null : SpecJson.experimentSpec(spec);
    }

    public void moveTo(Phase next) {
        phase = next;
        updatedAt = Instant.now();
    }
}
