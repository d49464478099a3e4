package org.mmapmtl.groupingservice.experiment;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.mmapmtl.events.GradientSnapshot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A gradient snapshot waiting for the other tasks of its snapshot; (experimentId, task, snapshot) is its natural key.
 * Once its snapshot is complete, the similarity is stored and these rows are dropped.
 */
@Entity
@Table(name = "gradient_snapshot")
public class ReceivedSnapshot extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "experiment_id", nullable = false, length = 128)
    public String experimentId;

    @Column(nullable = false, length = 256)
    public String task;

    @Column(nullable = false)
    public int snapshot;

    @Column(nullable = false)
    public int snapshots;

    @Column(nullable = false)
    public long step;

    @Column(nullable = false, columnDefinition = "text")
    public String tasks;

    @Column(nullable = false)
    public int dimension;

    @Column(nullable = false)
    public byte[] gradient;

    @Column(name = "received_at", nullable = false)
    public Instant receivedAt;

    static ReceivedSnapshot of(GradientSnapshot s) {
        ReceivedSnapshot r = new ReceivedSnapshot();
        r.experimentId = s.experimentId();
        r.task = s.task();
        r.snapshot = s.snapshot();
        r.snapshots = s.snapshots();
        r.step = s.step();
        r.tasks = String.join(",", s.tasks());
        float[] g = s.gradient();
        r.dimension = g.length;
        ByteBuffer bytes = ByteBuffer.allocate(g.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(g);
        r.gradient = bytes.array();
        r.receivedAt = Instant.now();
        return r;
    }

    public List<String> taskList() {
        return List.of(tasks.split(","));
    }

    public float[] gradientValues() {
        float[] values = new float[dimension];
        ByteBuffer.wrap(gradient).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    static Optional<ReceivedSnapshot> find(String experimentId, String task, int snapshot) {
        return find("experimentId = ?1 and task = ?2 and snapshot = ?3", experimentId, task, snapshot).firstResultOptional();
    }

    static List<ReceivedSnapshot> pending(String experimentId, int snapshot) {
        return list("experimentId = ?1 and snapshot = ?2", experimentId, snapshot);
    }

    static List<ReceivedSnapshot> allPending(String experimentId) {
        return list("experimentId = ?1 order by snapshot, task", experimentId);
    }
}
