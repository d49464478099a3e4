package org.mmapmtl.evalservice.results;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import org.mmapmtl.eval.ClassificationMetrics;

import java.io.Serializable;
import java.util.List;

/** One task's score of one checkpoint: accuracy, and the confusion matrix the per-class metrics come from. */
@Entity
@Table(name = "task_score")
@IdClass(TaskScore.Key.class)
public class TaskScore extends PanacheEntityBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Key(Long checkpointId, String task) implements Serializable {
        public Key() {
            this(null, null);
        }
    }

    @Id
    @Column(name = "checkpoint_id")
    public Long checkpointId;

    @Id
    @Column(length = 128)
    public String task;

    @Column(nullable = false)
    public double accuracy;

    @Column(nullable = false)
    public long correct;

    @Column(nullable = false)
    public long total;

    @Column(name = "macro_f1", nullable = false)
    public double macroF1;

    @Column(nullable = false, columnDefinition = "text")
    public String classes;

    @Column(nullable = false, columnDefinition = "text")
    public String confusion;

    public static TaskScore of(long checkpointId, String task, ClassificationMetrics m) {
        TaskScore s = new TaskScore();
        s.checkpointId = checkpointId;
        s.task = task;
        s.accuracy = m.accuracy();
        s.correct = m.correct();
        s.total = m.total();
        s.macroF1 = m.macroF1();
        try {
            s.classes = JSON.writeValueAsString(m.classes());
            s.confusion = JSON.writeValueAsString(m.confusion());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return s;
    }

    public ClassificationMetrics metrics() {
        try {
            return new ClassificationMetrics(JSON.readValue(classes, new TypeReference<List<String>>() { }),
                    JSON.readValue(confusion, long[][].class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable stored metrics of " + task + ": " + e.getMessage(), e);
        }
    }

    public static List<TaskScore> of(long checkpointId) {
        return list("checkpointId", checkpointId);
    }
}
