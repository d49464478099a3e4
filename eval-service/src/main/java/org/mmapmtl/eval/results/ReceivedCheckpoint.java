package org.mmapmtl.eval.results;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.events.EventCodecs;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/** A checkpoint waiting for (or past) evaluation; (runId, epoch) is its natural key. */
@Entity
@Table(name = "received_checkpoint")
public class ReceivedCheckpoint extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "experiment_id", nullable = false, length = 128)
    public String experimentId;

    @Column(name = "run_id", nullable = false, length = 128)
    public String runId;

    @Column(nullable = false)
    public int epoch;

    @Column(nullable = false, length = 64)
    public String method;

    @Column(nullable = false)
    public long seed;

    @Column(name = "final_epoch", nullable = false)
    public boolean finalEpoch;

    @Column(nullable = false, columnDefinition = "text")
    public String uri;

    @Column(nullable = false, length = 64)
    public String sha256;

    @Column(name = "trainable_params", nullable = false)
    public long trainableParams;

    @Column(nullable = false, columnDefinition = "text")
    public String payload;

    @Column(name = "received_at", nullable = false)
    public Instant receivedAt;

    static ReceivedCheckpoint of(Checkpoint c) {
        ReceivedCheckpoint r = new ReceivedCheckpoint();
        r.experimentId = c.experimentId();
        r.runId = c.runId();
        r.epoch = c.epoch();
        r.method = c.method();
        r.seed = c.seed();
        r.finalEpoch = c.finalEpoch();
        r.uri = c.uri();
        r.sha256 = c.sha256();
        r.trainableParams = c.trainableParams();
        r.payload = new String(EventCodecs.CHECKPOINT.encode(c), StandardCharsets.UTF_8);
        r.receivedAt = Instant.now();
        return r;
    }

    Checkpoint checkpoint() {
        return EventCodecs.CHECKPOINT.decode(payload.getBytes(StandardCharsets.UTF_8));
    }

    static boolean exists(String runId, int epoch) {
        return count("runId = ?1 and epoch = ?2", runId, epoch) > 0;
    }

    static List<ReceivedCheckpoint> ofExperiment(String experimentId) {
        return list("experimentId = ?1 order by method, seed, runId, epoch", experimentId);
    }
}
