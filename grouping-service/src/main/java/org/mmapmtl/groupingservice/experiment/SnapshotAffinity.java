package org.mmapmtl.groupingservice.experiment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/** The similarity matrix of one complete snapshot of an experiment. */
@Entity
@Table(name = "snapshot_affinity")
@IdClass(SnapshotAffinity.Key.class)
public class SnapshotAffinity extends PanacheEntityBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Id
    @Column(name = "experiment_id", length = 128)
    public String experimentId;

    @Id
    public int snapshot;

    @Column(nullable = false)
    public long step;

    @Column(nullable = false, columnDefinition = "text")
    public String similarity;

    public static class Key implements Serializable {
        public String experimentId;
        public int snapshot;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.snapshot == snapshot && Objects.equals(k.experimentId, experimentId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(experimentId, snapshot);
        }
    }

    static SnapshotAffinity of(String experimentId, int snapshot, long step, double[][] similarity) {
        SnapshotAffinity a = new SnapshotAffinity();
        a.experimentId = experimentId;
        a.snapshot = snapshot;
        a.step = step;
        try {
            a.similarity = JSON.writeValueAsString(similarity);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return a;
    }

    double[][] matrix() {
        try {
            return JSON.readValue(similarity, double[][].class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored similarity of " + experimentId + " snapshot " + snapshot
                    + " is not a matrix", e);
        }
    }

    static boolean exists(String experimentId, int snapshot) {
        return count("experimentId = ?1 and snapshot = ?2", experimentId, snapshot) > 0;
    }

    static List<SnapshotAffinity> allOf(String experimentId) {
        return list("experimentId = ?1 order by snapshot", experimentId);
    }

    /** The element-wise mean of the snapshots' matrices: the affinity the partition is searched on. */
    static double[][] mean(List<SnapshotAffinity> snapshots) {
        double[][] sum = null;
        for (SnapshotAffinity s : snapshots) {
            double[][] m = s.matrix();
            if (sum == null) {
                sum = new double[m.length][m.length];
            }
            for (int i = 0; i < m.length; i++) {
                for (int j = 0; j < m.length; j++) {
                    sum[i][j] += m[i][j];
                }
            }
        }
        if (sum == null) {
            return null;
        }
        for (double[] row : sum) {
            for (int j = 0; j < row.length; j++) {
                row[j] /= snapshots.size();
            }
        }
        return sum;
    }
}
