package org.mmapmtl.trainer.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Multi;
import jakarta.annotation.security.RolesAllowed;
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
import org.mmapmtl.experiment.ExperimentSpec;
import org.mmapmtl.trainer.spec.InvalidSpecException;
import org.mmapmtl.trainer.spec.SpecProvenance;
import org.mmapmtl.trainer.spec.SpecReader;
import org.mmapmtl.service.Listings;
import org.mmapmtl.service.Paging;
import org.mmapmtl.service.Problem;
import org.mmapmtl.service.access.Roles;

import java.net.URI;
import java.util.List;

@Path("/experiments")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.VIEWER)
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

    @Inject
    ExperimentViews views;

    @Inject
    ProgressStream progress;

    @Inject
    ObjectMapper json;

    @Inject
    SecurityIdentity caller;


    @POST
    @RolesAllowed(Roles.RESEARCHER)
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
            long planned = ((long) read.methods().size() * Math.max(1, read.dataset().tasks().size()) + read.imported().size())
                    * read.seeds().size() + 1;
            if (planned > workerSettings.maxRuns()) {
                throw Problem.badRequest("the spec may plan up to " + planned + " runs (methods × seeds × tasks, and imported × seeds); this "
                        + "trainer accepts at most " + workerSettings.maxRuns() + " per experiment (mmap.trainer.max-runs)",
                        List.of(new Problem.FieldError("methods", read.methods().size() + " methods"),
                                new Problem.FieldError("seeds", read.seeds().size() + " seeds")));
            }
            spec = experiments.submit(read, submission, caller.getPrincipal().getName());
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
        return paging.response(views.page(paging), Experiment.count(), uri);
    }

    @GET
    @Path("/{id}")
    public ExperimentViews.ExperimentView get(@PathParam("id") String id) {
        return view(id);
    }

    /**
     * The spec with every default filled in: submitted again (without its id), it reproduces the experiment. Its
     * {@code provenance} says, per field with a default, where that default comes from (the paper, MaPLe/Dassl, ours)
     * or that this spec set its own; a submit ignores it.
     */
    @GET
    @Path("/{id}/spec")
    public ObjectNode spec(@PathParam("id") String id) {
        ExperimentSpec spec = experiments.find(id).experimentSpec();
        if (spec == null) {
            throw Problem.notFound("experiment '" + id + "' is known only from its partition record; it was not submitted here");
        }
        ObjectNode view = json.valueToTree(spec);
        view.set(SpecReader.PROVENANCE, json.valueToTree(SpecProvenance.of(spec)));
        return view;
    }

    /** A researcher cancels their own experiments, an admin anyone's. */
    @DELETE
    @Path("/{id}")
    @RolesAllowed(Roles.RESEARCHER)
    public Response cancel(@PathParam("id") String id) {
        experiments.cancel(id, new Experiments.Caller(caller.getPrincipal().getName(), caller.hasRole(Roles.ADMIN)));
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
        return streams.slots().open(() -> progress.events(id, sse, lastEventId));
    }

    private ExperimentViews.ExperimentView view(String id) {
        return views.view(id);
    }
}
