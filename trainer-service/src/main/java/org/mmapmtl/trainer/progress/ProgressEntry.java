package org.mmapmtl.trainer.progress;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.List;

/** A progress report as sent to mmap.progress, numbered in the order reports were made (the SSE event id). */
@Entity
@Table(name = "progress_log")
public class ProgressEntry extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "experiment_id", nullable = false, length = 128)
    public String experimentId;

    @Column(nullable = false, columnDefinition = "text")
    public String payload;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    /**
     * Reports after {@code id}, made before {@code before}: ids are handed out when a report is written but become
     * visible when its transaction commits, so a reader that keeps to reports a moment old never skips a slower one.
     */
    public static List<ProgressEntry> after(String experimentId, long id, Instant before, int limit) {
        return find("experimentId = ?1 and id > ?2 and createdAt < ?3 order by id", experimentId, id, before)
                .page(0, limit).list();
    }

    /** Whether any report after {@code id} exists, however recent. */
    public static boolean anyAfter(String experimentId, long id) {
        return count("experimentId = ?1 and id > ?2", experimentId, id) > 0;
    }
}
