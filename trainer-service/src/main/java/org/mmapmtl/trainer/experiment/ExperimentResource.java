package org.mmapmtl.trainer.experiment;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.mmapmtl.events.TaskPartition;
import org.mmapmtl.experiment.ExperimentSpec;
import org.mmapmtl.trainer.spec.InvalidSpecException;
import org.mmapmtl.trainer.spec.SpecReader;
import org.mmapmtl.service.Listings;
import org.mmapmtl.service.Paging;
import org.mmapmtl.service.Problem;
import org.mmapmtl.trainer.progress.ProgressEntry;
import org.mmapmtl.trainer.run.TrainingRun;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

@Path("/experiments")
@Produces(MediaType.APPLICATION_JSON)
public class ExperimentResource {
    static final int MAX_SPEC_BYTES = 256 * 1024;

    @Inject
    org.mmapmtl.trainer.WorkerSettings workerSettings;

    @Inject
    Experiments experiments;

    @Inject
    org.mmapmtl.service.EventStreams streams;

    @Inject
    Listings listings;


    /** One run as a user follows it. */
    public record RunView(String runId, String variant, String stage, String method, long seed, List<String> tasks,
                          String state, int attempts, String owner, int epoch, int epochs, long step, long totalSteps,
                          Double loss, Double imagesPerSecond, Long etaMillis, String error) {
        static RunView of(TrainingRun r) {
            var spec = r.runSpec();
            return new RunView(r.id, r.variant, r.stage, spec.method(), spec.seed(), spec.tasks(), r.state, r.attempts,
                    r.owner, r.epoch, r.epochs, r.step, r.totalSteps, r.loss, r.imagesPerSecond, r.etaMs, r.error);
        }
    }

    /** @param partition the groups phase 2 trains, once decided; null before */
    /**
     * @param runsAfterGrouping phase-2 runs not planned yet because the partition has not arrived: at most this many
     *                          (one per group, per seed, of each grouped method; 0 once they are planned)
     */
    public record ExperimentView(String id, Phase phase, Instant createdAt, Instant updatedAt, boolean cancelRequested,
                                 List<String> methods, List<String> tasks, TaskPartition partition, List<RunView> runs,
                                 int runsAfterGrouping) {
    }

    public record ExperimentSummary(String id, Phase phase, Instant createdAt, Instant updatedAt, long runs, long runsDone) {
    }

    @POST
    @Consumes({MediaType.APPLICATION_JSON, "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
    public Response submit(byte[] body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType) {
        if (body == null || body.length == 0) {
            throw Problem.badRequest("empty body: post an experiment spec (JSON or YAML)", List.of());
        }
        if (body.length > MAX_SPEC_BYTES) {
            throw new org.mmapmtl.service.ProblemException(Problem.of(Response.Status.REQUEST_ENTITY_TOO_LARGE,
                    "a spec of " + body.length + " bytes is larger than the " + MAX_SPEC_BYTES + " bytes accepted"));
        }
        boolean yaml = contentType != null && contentType.toLowerCase(java.util.Locale.ROOT).contains("yaml");
        ExperimentSpec spec;
        try {
            Experiments.Submission submission = experiments.submission();
            ExperimentSpec read = SpecReader.read(body, yaml, submission);
            long planned = (long) read.methods().size() * read.seeds().size() * Math.max(1, read.dataset().tasks().size()) + 1;
            if (planned > workerSettings.maxRuns()) {
                throw Problem.badRequest("the spec may plan up to " + planned + " runs (methods × seeds × tasks); this "
                        + "trainer accepts at most " + workerSettings.maxRuns() + " per experiment (mmap.trainer.max-runs)",
                        List.of(new Problem.FieldError("methods", read.methods().size() + " methods"),
                                new Problem.FieldError("seeds", read.seeds().size() + " seeds")));
            }
            spec = experiments.submit(read, submission);
        } catch (InvalidSpecException e) {
            throw Problem.badRequest("the experiment spec has " + e.errors().size() + " problem(s); each is named below",
                    e.errors().stream().map(x -> new Problem.FieldError(x.field(), x.message())).toList());
        }
        return Response.created(URI.create("/experiments/" + spec.id())).entity(view(spec.id())).build();
    }

    /** Newest first, one page at a time ({@code ?limit=&offset=}; at most {@code mmap.api.max-page-size}). */
    @GET
    public Response list(@QueryParam("limit") String limit, @QueryParam("offset") String offset, @Context UriInfo uri) {
        Paging paging = listings.page(limit, offset);
        List<Experiment> experiments = Experiment.<Experiment>findAll(Sort.by("createdAt").descending().and("id"))
                .range(paging.offset(), paging.offset() + paging.limit() - 1).list();
        // the page's run counts in one query, not two per experiment
        Map<String, long[]> runs = new HashMap<>();
        if (!experiments.isEmpty()) {
            TrainingRun.getEntityManager().createQuery("select r.experimentId, count(r), sum(case when r.state = :done"
                            + " then 1 else 0 end) from TrainingRun r where r.experimentId in :ids group by r.experimentId",
                            Object[].class)
                    .setParameter("done", TrainingRun.DONE)
                    .setParameter("ids", experiments.stream().map(e -> e.id).toList())
                    .getResultList()
                    .forEach(row -> runs.put((String) row[0],
                            new long[] {((Number) row[1]).longValue(), ((Number) row[2]).longValue()}));
        }
        List<ExperimentSummary> page = experiments.stream().map(e -> {
            long[] counts = runs.getOrDefault(e.id, new long[2]);
            return new ExperimentSummary(e.id, e.phase, e.createdAt, e.updatedAt, counts[0], counts[1]);
        }).toList();
        return paging.response(page, Experiment.count(), uri);
    }

    @GET
    @Path("/{id}")
    public ExperimentView get(@PathParam("id") String id) {
        return view(id);
    }

    /** The spec with every default filled in: submitted again (without its id), it reproduces the experiment. */
    @GET
    @Path("/{id}/spec")
    public ExperimentSpec spec(@PathParam("id") String id) {
        ExperimentSpec spec = experiments.find(id).experimentSpec();
        if (spec == null) {
            throw Problem.notFound("experiment '" + id + "' is known only from its partition record; it was not submitted here");
        }
        return spec;
    }

    @DELETE
    @Path("/{id}")
    public Response cancel(@PathParam("id") String id) {
        experiments.cancel(id);
        return Response.accepted(view(id)).build();
    }

    /**
     * The experiment's progress reports in the order they were made, as server-sent events (id = the report's
     * number, so a client reconnecting with Last-Event-ID continues where it stopped); the stream ends a moment
     * after the experiment has ended.
     */
    @GET
    @Path("/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @io.smallrye.common.annotation.Blocking
    public Multi<OutboundSseEvent> events(@PathParam("id") String id, @Context Sse sse,
                                          @HeaderParam("Last-Event-ID") Long lastEventId) {
        experiments.find(id);
        return streams.slots().open(() -> progressEvents(id, sse, lastEventId));
    }

    private Multi<OutboundSseEvent> progressEvents(String id, Sse sse, Long lastEventId) {
        AtomicLong last = new AtomicLong(lastEventId == null ? 0 : lastEventId);
        AtomicLong endedPolls = new AtomicLong();
        return Multi.createFrom().ticks().every(Duration.ofMillis(250))
                .onOverflow().drop() // a slow database or client skips ticks instead of failing the stream
                .onItem().transformToUniAndConcatenate(tick -> io.smallrye.mutiny.Uni.createFrom().item(() ->
                        QuarkusTransaction.requiringNew().call(() -> {
                            List<ProgressEntry> next = ProgressEntry.after(id, last.get(), Instant.now().minusSeconds(1), 200);
                            Experiment e = Experiment.findById(id);
                            if (next.isEmpty() && e.phase.terminal()
                                    && ProgressEntry.count("experimentId = ?1 and id > ?2", id, last.get()) == 0) {
                                endedPolls.incrementAndGet();
                            }
                            return next;
                        })).runSubscriptionOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool()))
                .select().first(tick -> endedPolls.get() < 4)
                .onItem().transformToIterable(entries -> entries)
                .map(entry -> {
                    last.set(Math.max(last.get(), entry.id));
                    return sse.newEventBuilder().id(Long.toString(entry.id)).name("progress")
                            .data(String.class, entry.payload).build();
                });
    }

    private ExperimentView view(String id) {
        return QuarkusTransaction.joiningExisting().call(() -> {
            Experiment e = experiments.find(id);
            ExperimentSpec spec = e.experimentSpec();
            ReceivedPartition p = ReceivedPartition.findById(id);
            int later = 0;
            if (spec != null && p == null) {
                long grouped = spec.methods().stream().filter(m -> org.mmapmtl.experiment.Variant.parse(m).needsPartition())
                        .count();
                later = (int) (grouped * spec.seeds().size() * spec.dataset().tasks().size());
            }
            return new ExperimentView(e.id, e.phase, e.createdAt, e.updatedAt, e.cancelRequested,
                    spec == null ? List.of() : spec.methods(), spec == null ? List.of() : spec.dataset().tasks(),
                    p == null ? null : p.partition(), TrainingRun.of(id).stream().map(RunView::of).toList(), later);
        });
    }
}
