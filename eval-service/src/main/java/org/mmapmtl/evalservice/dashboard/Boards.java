package org.mmapmtl.evalservice.dashboard;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.mmapmtl.evalservice.activity.ExperimentActivity;
import org.mmapmtl.evalservice.results.ExperimentResults;
import org.mmapmtl.evalservice.results.ReceivedCheckpoint;
import org.mmapmtl.evalservice.results.TaskScore;
import org.mmapmtl.experiment.RunSpec;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads what the dashboard and its REST twins show, from the eval schema only. */
@ApplicationScoped
public class Boards {
    /** A curve keeps at most this many points (evenly thinned, the last one always kept): enough for a chart. */
    static final int CURVE_POINTS = 400;

    /**
     * @param phase the experiment's phase from its newest experiment-wide report (null before the first)
     * @param state the experiment's state: queued, running, done, failed or cancelled
     */
    public record ExperimentProgress(String experimentId, String phase, String state, List<Board.RunState> runs,
                                     List<Board.LossCurve> curves) {
    }

    /** A page of the experiments and how many there are in all. */
    public record ExperimentPage(List<Board.ExperimentState> experiments, long total) {
    }

    /**
     * A page of the experiments eval-service heard of (progress or checkpoints), the most recently active first: a page
     * of {@link ExperimentActivity}'s index; only the page's experiments have their runs read.
     */
    @Transactional
    public ExperimentPage experiments(int offset, int limit) {
        long total = ExperimentActivity.count();
        List<ExperimentActivity> page = ExperimentActivity.recent(offset, limit);
        if (page.isEmpty()) {
            return new ExperimentPage(List.of(), total);
        }
        // each run's newest report (and the experiment's own) is all the list needs
        Map<String, List<RunProgress>> newest = new LinkedHashMap<>();
        for (RunProgress p : RunProgress.<RunProgress>list("id in (select max(q.id) from RunProgress q "
                + "where q.experimentId in ?1 group by q.experimentId, q.runId) order by id",
                page.stream().map(a -> a.experimentId).toList())) {
            newest.computeIfAbsent(p.experimentId, k -> new ArrayList<>()).add(p);
        }
        return new ExperimentPage(page.stream().map(a -> state(a.experimentId, newest.getOrDefault(a.experimentId, List.of()),
                a.lastAt)).toList(), total);
    }

    @Transactional
    public boolean known(String experimentId) {
        return RunProgress.count("experimentId", experimentId) > 0
                || ReceivedCheckpoint.count("experimentId", experimentId) > 0
                || ReceivedPartition.findById(experimentId) != null;
    }

    @Transactional
    public ExperimentProgress progress(String experimentId) {
        List<RunProgress> reports = RunProgress.newestOfExperiment(experimentId);
        Board.ExperimentState s = state(experimentId, reports, null);
        return new ExperimentProgress(experimentId, s.phase(), s.state(), runs(reports), curves(experimentId));
    }

    @Transactional
    public ReceivedPartition partition(String experimentId) {
        return ReceivedPartition.findById(experimentId);
    }

    /** @param selectedRun whose confusion matrices to show; null picks the first scored run */
    @Transactional
    public Board board(String experimentId, String selectedRun) {
        List<RunProgress> reports = RunProgress.newestOfExperiment(experimentId);
        List<ReceivedCheckpoint> received = ReceivedCheckpoint.newestPerRun(experimentId); // a run's final epoch, or its newest
        ReceivedPartition partition = ReceivedPartition.findById(experimentId);
        Board.Results results = null;
        if (!received.isEmpty()) {
            ExperimentResults r = ExperimentResults.of(experimentId, received, List.of(), 0, Map.of());
            results = Board.Results.of(r.table());
        }
        List<ReceivedCheckpoint> scored = received.stream()
                .filter(c -> c.finalEpoch && ReceivedCheckpoint.DONE.equals(c.status)).toList();
        // the runs of the table first (phase 1's run last), in the table's order of methods and seeds
        List<String> scoredRuns = scored.stream()
                .sorted(Comparator.comparing((ReceivedCheckpoint c) -> RunSpec.PHASE_1.equals(c.stage)))
                .map(c -> c.runId).distinct().toList();
        String run = selectedRun != null && scoredRuns.contains(selectedRun) ? selectedRun
                : scoredRuns.isEmpty() ? null : scoredRuns.get(0);
        List<Board.Confusion> confusion = new ArrayList<>();
        if (run != null) {
            ReceivedCheckpoint c = scored.stream().filter(x -> x.runId.equals(run)).findFirst().orElseThrow();
            List<String> order = results == null ? List.of() : results.tasks();
            TaskScore.of(c.id).stream()
                    .sorted(Comparator.comparingInt((TaskScore s) -> order.indexOf(s.task) < 0 ? Integer.MAX_VALUE
                            : order.indexOf(s.task)).thenComparing(s -> s.task))
                    .forEach(s -> confusion.add(Board.Confusion.of(s.task, s.metrics())));
        }
        return new Board(experimentId, state(experimentId, reports, null), runs(reports), curves(experimentId),
                partition == null ? null : Board.Affinity.of(partition.partition()), results, scoredRuns, run, confusion);
    }

    /**
     * Each experiment's board version, which changes whenever something its board shows changes: a report, a
     * checkpoint's status, the partition. Three queries for any number of experiments, so that one poll serves every
     * open change stream.
     */
    @Transactional
    public Map<String, String> versions(Set<String> experimentIds) {
        if (experimentIds.isEmpty()) {
            return Map.of();
        }
        List<String> ids = List.copyOf(experimentIds);
        Map<String, Long> newestReport = new LinkedHashMap<>();
        for (Object[] row : RunProgress.getEntityManager().createQuery("select p.experimentId, max(p.id) from RunProgress p "
                + "where p.experimentId in ?1 group by p.experimentId", Object[].class).setParameter(1, ids).getResultList()) {
            newestReport.put((String) row[0], (Long) row[1]);
        }
        Map<String, long[]> checkpoints = new LinkedHashMap<>(); // received, evaluated (done or failed)
        for (Object[] row : ReceivedCheckpoint.getEntityManager().createQuery("select c.experimentId, count(c), "
                + "sum(case when c.status in ?2 then 1 else 0 end) from ReceivedCheckpoint c where c.experimentId in ?1 "
                + "group by c.experimentId", Object[].class).setParameter(1, ids)
                .setParameter(2, List.of(ReceivedCheckpoint.DONE, ReceivedCheckpoint.FAILED)).getResultList()) {
            checkpoints.put((String) row[0], new long[] {((Number) row[1]).longValue(), ((Number) row[2]).longValue()});
        }
        Set<String> partitioned = new java.util.HashSet<>(ReceivedPartition.getEntityManager().createQuery(
                "select r.experimentId from ReceivedPartition r where r.experimentId in ?1", String.class)
                .setParameter(1, ids).getResultList());
        Map<String, String> out = new LinkedHashMap<>();
        for (String id : ids) {
            long[] c = checkpoints.getOrDefault(id, new long[2]);
            out.put(id, newestReport.getOrDefault(id, 0L) + "." + c[0] + "." + c[1] + "." + (partitioned.contains(id) ? 1 : 0));
        }
        return out;
    }

    private static Board.ExperimentState state(String experimentId, List<RunProgress> reports, Instant checkpointsAt) {
        String phase = null;
        String state = "running";
        Instant updated = checkpointsAt;
        Map<String, String> runState = new LinkedHashMap<>();
        for (RunProgress p : reports) {
            if (p.runId == null) {
                phase = p.phase;
                state = p.state;
            } else {
                runState.put(p.runId, p.state);
            }
            if (updated == null || p.reportedAt.isAfter(updated)) {
                updated = p.reportedAt;
            }
        }
        if (reports.isEmpty()) {
            state = "unknown"; // only checkpoints arrived: the trainer's reports were not seen
        }
        int done = (int) runState.values().stream().filter("done"::equals).count();
        int running = (int) runState.values().stream().filter("running"::equals).count();
        int failed = (int) runState.values().stream().filter("failed"::equals).count();
        return new Board.ExperimentState(experimentId, phase, state, runState.size(), done, running, failed, updated);
    }

    private static List<Board.RunState> runs(List<RunProgress> reports) {
        Map<String, RunProgress> newest = new LinkedHashMap<>();
        Map<String, RunProgress> newestStep = new LinkedHashMap<>();
        for (RunProgress p : reports) {
            if (p.runId == null) {
                continue;
            }
            newest.put(p.runId, p);
            if (p.loss != null) {
                newestStep.put(p.runId, p);
            }
        }
        List<Board.RunState> out = new ArrayList<>();
        for (RunProgress last : newest.values()) {
            RunProgress step = newestStep.getOrDefault(last.runId, last);
            out.add(new Board.RunState(last.runId, last.variant, last.phase, last.state, step.epoch, step.epochs,
                    step.step, step.totalSteps, step.loss, step.imagesPerSecond, step.etaMillis, last.message,
                    last.reportedAt));
        }
        return out;
    }

    private static List<Board.LossCurve> curves(String experimentId) {
        Map<String, List<Board.CurvePoint>> points = new LinkedHashMap<>();
        Map<String, String> variants = new LinkedHashMap<>();
        Map<String, Integer> tasks = new LinkedHashMap<>();
        Map<String, Set<Long>> seen = new LinkedHashMap<>();
        for (RunProgress.CurveRow p : RunProgress.curves(experimentId, CURVE_POINTS - 1)) {
            variants.putIfAbsent(p.runId(), p.variant());
            if (p.tasks() != null) {
                tasks.putIfAbsent(p.runId(), p.tasks());
            }
            // a run resumed after a restart reports its steps again from the checkpoint: keep the first report of a step
            if (seen.computeIfAbsent(p.runId(), r -> new LinkedHashSet<>()).add(p.step())) {
                points.computeIfAbsent(p.runId(), r -> new ArrayList<>()).add(new Board.CurvePoint(p.step(), p.epoch(), p.loss(),
                        p.epochLoss(), p.gradNorm(), p.gradClipped(), p.epochClippedShare()));
            }
        }
        List<Board.LossCurve> out = new ArrayList<>();
        points.forEach((run, list) -> out.add(new Board.LossCurve(run, variants.get(run), tasks.get(run), thin(list))));
        return out;
    }

    static List<Board.CurvePoint> thin(List<Board.CurvePoint> points) {
        if (points.size() <= CURVE_POINTS) {
            return points;
        }
        List<Board.CurvePoint> out = new ArrayList<>();
        double every = (double) points.size() / (CURVE_POINTS - 1);
        for (int i = 0; i < CURVE_POINTS - 1; i++) {
            out.add(points.get((int) Math.floor(i * every)));
        }
        out.add(points.get(points.size() - 1));
        return out;
    }
}
