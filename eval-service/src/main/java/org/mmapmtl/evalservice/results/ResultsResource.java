package org.mmapmtl.evalservice.results;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.mmapmtl.eval.ClassificationMetrics;
import org.mmapmtl.eval.ResultsTable;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.experiment.DatasetSpec;
import org.mmapmtl.experiment.RunSpec;
import org.mmapmtl.service.Listings;
import org.mmapmtl.service.Paging;
import org.mmapmtl.service.Problem;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

@Path("/")
@jakarta.annotation.security.RolesAllowed(org.mmapmtl.service.access.Roles.VIEWER)
public class ResultsResource {
    @Inject
    Listings listings;

    static final String CSV = "text/csv";
    static final String MARKDOWN = "text/markdown";

    public record ClassScore(String name, double precision, double recall, double f1, long support) {
    }

    public record TaskMetrics(double accuracy, long correct, long total, double macroF1, List<ClassScore> perClass,
                              List<String> classes, long[][] confusion) {
    }

    public record EpochView(int epoch, boolean finalEpoch, String status, String error, String uri, String sha256,
                            Map<String, TaskMetrics> tasks) {
    }

    public record RunView(String experimentId, String runId, String method, String variant, long seed,
                          List<String> tasks, List<List<String>> groups, long trainableParams, RunSpec runSpec,
                          List<EpochView> epochs) {
    }

    public record LeaderboardEntry(String experimentId, String dataset, String split, String method, double mean,
                                   double std, int seeds, long trainableParams, boolean complete) {
    }

    /**
     * The experiment's results table, and in JSON a page of its checkpoints ({@code ?limit=&offset=}, in the order of
     * method, seed, run and epoch; {@code X-Total-Count} and {@code checkpointsTotal} count them all,
     * {@code checkpointStatus} counts them by status). The table is made of each run's newest checkpoint, so the
     * answer's size and cost grow with the runs, not with their epochs.
     */
    @GET
    @Path("results/{experimentId}")
    @Produces({MediaType.APPLICATION_JSON, CSV, MARKDOWN})
    public Response get(@PathParam("experimentId") String experimentId, @QueryParam("format") String format,
                        @HeaderParam(HttpHeaders.ACCEPT) String accept, @QueryParam("limit") String limit,
                        @QueryParam("offset") String offset, @Context UriInfo uri) {
        String answer = format(format, accept);
        Paging paging = listings.page(limit, offset);
        List<ReceivedCheckpoint> runs = ReceivedCheckpoint.newestPerRun(experimentId);
        if (runs.isEmpty()) {
            throw Problem.notFound("no results for experiment '" + experimentId + "': it is unknown here, or none of its runs "
                    + "has written a checkpoint yet (see its runs with ./mmap status " + experimentId + ")");
        }
        if (!answer.equals("json")) {
            ResultsTable.Table table = ExperimentResults.of(experimentId, runs, List.of(), 0, Map.of()).table();
            return answer.equals("csv") ? Response.ok(table.toCsv(), CSV + "; charset=utf-8").build()
                    : Response.ok(table.toMarkdown(), MARKDOWN + "; charset=utf-8").build();
        }
        Map<String, Long> byStatus = ReceivedCheckpoint.countByStatus(experimentId);
        long total = byStatus.values().stream().mapToLong(Long::longValue).sum();
        ExperimentResults results = ExperimentResults.of(experimentId, runs,
                ReceivedCheckpoint.pageOf(experimentId, paging.offset(), paging.limit()), total, byStatus);
        return paging.withHeaders(Response.ok(results, MediaType.APPLICATION_JSON), total, uri).build();
    }

    @GET
    @Path("results/{experimentId}/runs/{runId}")
    @Produces(MediaType.APPLICATION_JSON)
    public RunView run(@PathParam("experimentId") String experimentId, @PathParam("runId") String runId) {
        List<ReceivedCheckpoint> epochs = ReceivedCheckpoint.epochsOf(experimentId, runId);
        if (epochs.isEmpty()) {
            throw Problem.notFound("no checkpoint of run '" + runId + "' in experiment '" + experimentId + "' yet: check "
                    + "the run id (./mmap results " + experimentId + " lists the runs), or wait for its first epoch");
        }
        Checkpoint first = epochs.get(0).checkpoint();
        List<EpochView> views = new ArrayList<>();
        for (ReceivedCheckpoint c : epochs) {
            Map<String, TaskMetrics> tasks = new LinkedHashMap<>();
            for (TaskScore s : TaskScore.of(c.id)) {
                ClassificationMetrics m = s.metrics();
                tasks.put(s.task, new TaskMetrics(s.accuracy, s.correct, s.total, s.macroF1, m.perClass().stream()
                        .map(p -> new ClassScore(p.name(), p.precision(), p.recall(), p.f1(), p.support())).toList(),
                        m.classes(), m.confusion()));
            }
            views.add(new EpochView(c.epoch, c.finalEpoch, c.status, c.error, c.uri, c.sha256, tasks));
        }
        ReceivedCheckpoint last = epochs.get(epochs.size() - 1);
        return new RunView(experimentId, runId, first.method(), last.variant, first.seed(), first.tasks(), first.groups(),
                last.trainableParams, first.runSpec(), views);
    }

    /**
     * Experiments' methods ranked by mean accuracy, a page of experiments at a time ({@code ?limit=&offset=} count
     * experiments, the one with the latest checkpoint first; X-Total-Count is the number of experiments);
     * {@code dataset} keeps those whose kind or folder matches.
     */
    @GET
    @Path("leaderboard")
    @Produces(MediaType.APPLICATION_JSON)
    public Response leaderboard(@QueryParam("dataset") String dataset, @QueryParam("limit") String limit,
                                @QueryParam("offset") String offset, @Context UriInfo uri) {
        Paging paging = listings.page(limit, offset);
        List<String> newestFirst = ReceivedCheckpoint.experimentsNewestFirst();
        List<String> matching = newestFirst;
        if (dataset != null && !dataset.isBlank()) {
            String wanted = dataset.toLowerCase(Locale.ROOT);
            matching = newestFirst.stream().filter(id -> datasetName(firstDataset(id)).toLowerCase(Locale.ROOT)
                    .contains(wanted)).toList();
        }
        List<LeaderboardEntry> out = new ArrayList<>();
        for (String id : paging.of(matching)) {
            ExperimentResults r = ExperimentResults.of(id, ReceivedCheckpoint.newestPerRun(id), List.of(), 0, Map.of());
            String name = datasetName(r.dataset());
            String split = r.dataset() == null ? "?" : r.dataset().percent() != null ? r.dataset().percent() + "%"
                    : r.dataset().shots() + "-shot";
            for (ResultsTable.Row row : r.rows()) {
                if (!row.seeds().isEmpty()) {
                    out.add(new LeaderboardEntry(id, name, split, row.method(), row.mean().mean(), row.mean().std(),
                            row.seeds().size(), row.trainableParams(), row.complete()));
                }
            }
        }
        out.sort((a, b) -> Double.compare(b.mean(), a.mean()));
        return paging.response(out, matching.size(), uri);
    }

    private static String datasetName(DatasetSpec dataset) {
        return dataset == null ? "?" : dataset.kind() + ":" + dataset.root();
    }

    /** The dataset of the experiment's first checkpoint that carries a run spec, or null (read a few at a time). */
    private static DatasetSpec firstDataset(String experimentId) {
        for (int from = 0; ; from += 16) {
            List<ReceivedCheckpoint> some = ReceivedCheckpoint.someOf(experimentId, from, 16);
            for (ReceivedCheckpoint c : some) {
                RunSpec spec = c.checkpoint().runSpec();
                if (spec != null) {
                    return spec.dataset();
                }
            }
            if (some.size() < 16) {
                return null;
            }
        }
    }

    private static String format(String format, String accept) {
        if (format != null && !format.isBlank()) {
            String f = format.trim().toLowerCase(Locale.ROOT);
            if (f.equals("markdown")) {
                return "md";
            }
            if (!List.of("json", "csv", "md").contains(f)) {
                throw Problem.badRequest("format '" + format + "' is not json, csv or md", List.of(
                        new Problem.FieldError("format", "use json, csv or md (or an Accept header)")));
            }
            return f;
        }
        if (accept != null && accept.contains(CSV)) {
            return "csv";
        }
        if (accept != null && accept.contains(MARKDOWN)) {
            return "md";
        }
        return "json";
    }
}
