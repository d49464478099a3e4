package org.mmapmtl.service;

/**
 * The one rule by which old progress reports are thinned, in the trainer's log and the eval service's copy alike:
 * of a run's plain running step reports, the last of each epoch always stays (it carries the epoch's mean loss) and
 * the others keep every k-th, k chosen so that about {@code keep} remain. The epoch ends are numbered apart from the
 * rest, so a run thinned once is within the limit and a second pass deletes nothing. Reports that are not running
 * steps (state changes, experiment-wide reports) are never candidates.
 */
public final class StepThinning {
    private StepThinning() {
    }

    /** Fewer would not keep a curve's two ends. */
    public static void checkKeep(int keep) {
        if (keep < 2) {
            throw new IllegalStateException("mmap.progress-retention.keep-per-run must be at least 2, not " + keep);
        }
    }

    /**
     * The delete statement for {@code table}, whose candidates {@code runningSteps} selects as columns
     * {@code id, run, step, epoch} (one experiment's running step reports of runs, with its parameter ?1); the keep
     * count is parameter ?2.
     */
    public static String delete(String table, String runningSteps) {
        return """
                delete from %s where id in (
                    select id from (
                        select id, row_number() over (partition by run order by step, id) as n,
                               count(*) over (partition by run) as total
                        from (
                            select id, run, step,
                                   row_number() over (partition by run, epoch order by step desc, id desc) as from_epoch_end
                            from (%s) candidates
                        ) steps
                        where from_epoch_end > 1
                    ) r
                    where r.total > ?2 and mod(r.n - 1, ceil(r.total / cast(?2 as numeric))) <> 0)""".formatted(table, runningSteps);
    }
}
