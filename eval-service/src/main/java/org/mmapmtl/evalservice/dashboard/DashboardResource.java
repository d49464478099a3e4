package org.mmapmtl.evalservice.dashboard;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.mmapmtl.events.TaskPartition;
import org.mmapmtl.service.Listings;
import org.mmapmtl.service.Paging;
import org.mmapmtl.service.Problem;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Properties;

/**
 * The dashboard at {@code /}: experiments with their live state, loss curves, the affinity heatmap with the chosen
 * groups, the results table, accuracy against trainable parameters, and a run's confusion matrices. Rendered on the
 * server; the page swaps in a fresh board whenever {@code /experiments/{id}/changes} says something changed.
 * The REST twins of what it shows are {@code /experiments}, {@code /experiments/{id}/progress},
 * {@code /experiments/{id}/partition} and {@code /results/{id}}.
 */
@Path("/")
@jakarta.annotation.security.RolesAllowed(org.mmapmtl.service.access.Roles.VIEWER)
public class DashboardResource {
    /** Where the app serves Chart.js from (its WebJar; no CDN, works offline). */
    static final String CHART_JS = "/webjars/chart.js/" + webJarVersion("chart.js") + "/dist/chart.umd.js";

    @Inject
    Listings listings;

    @Inject
    Boards boards;

    @Inject
    org.mmapmtl.service.EventStreams streams;

    @Inject
    BoardChanges changes;

    /**
     * @param experiments      the list on the left: the most recently active experiments, a page of them
     * @param experimentsTotal how many experiments there are in all
     * @param offset           where the list's page starts among them
     * @param board       the selected experiment's board; null when no experiment is known yet
     */
    /** @param unknown the experiment asked for when this service knows nothing of it (the page says so, 404) */
    public record Page(List<Board.ExperimentState> experiments, long experimentsTotal, int offset, int pageSize,
                       Board board, String chartJs, String unknown) {
        /** where the list's newer page starts, or -1 on the first page */
        public int newerOffset() {
            return offset == 0 ? -1 : Math.max(0, offset - pageSize);
        }

        /** the list's page as a user counts it: "51–100" */
        public String shown() {
            return (offset + 1) + "–" + (offset + experiments.size());
        }

        /** where the list's older page starts, or -1 on the last page */
        public int olderOffset() {
            return offset + experiments.size() < experimentsTotal ? offset + experiments.size() : -1;
        }
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance dashboard(Page page);

        static native TemplateInstance dashboard$board(Page page);
    }

    /**
     * @param experiment which experiment to show (default: the most recently active)
     * @param run        whose confusion matrices to show (default: the first scored run)
     * @param fragment   {@code board}: only the board, as the page's script swaps it in
     */
    @GET
    @Produces(MediaType.TEXT_HTML)
    public Response dashboard(@QueryParam("experiment") String experiment, @QueryParam("run") String run,
                                      @QueryParam("fragment") String fragment, @QueryParam("offset") String offset) {
        boolean named = experiment != null && !experiment.isBlank();
        // the live refresh asks for one experiment's board only: the list on the left is not part of it
        // the list shows a page of experiments, the most recently active first (?offset= for older ones)
        Paging listed = listings.page(null, offset);
        Boards.ExperimentPage experiments = named && "board".equals(fragment)
                ? new Boards.ExperimentPage(List.of(), 0) : boards.experiments(listed.offset(), listed.limit());
        String id = named ? experiment
                : experiments.experiments().isEmpty() ? null : experiments.experiments().get(0).experimentId();
        if (id != null && !boards.known(id)) {
            // a person followed a stale link: the page, saying what is missing, rather than a JSON problem
            Page missing = new Page(experiments.experiments(), experiments.total(), listed.offset(), listed.limit(),
                    null, CHART_JS, id);
            return Response.status(Response.Status.NOT_FOUND).type(MediaType.TEXT_HTML)
                    .entity("board".equals(fragment) ? Templates.dashboard$board(missing) : Templates.dashboard(missing))
                    .build();
        }
        Page page = new Page(experiments.experiments(), experiments.total(), listed.offset(), listed.limit(),
                id == null ? null : boards.board(id, run), CHART_JS, null);
        if ("board".equals(fragment)) {
            return Response.ok(Templates.dashboard$board(page), MediaType.TEXT_HTML).build();
        }
        if (fragment != null) {
            throw Problem.badRequest("fragment '" + fragment + "' is not one this page has", List.of(
                    new Problem.FieldError("fragment", "use board, or leave it out for the whole page")));
        }
        return Response.ok(Templates.dashboard(page), MediaType.TEXT_HTML).build();
    }

    /** A page of the experiments the board knows ({@code ?limit=&offset=}, at most {@code mmap.api.max-page-size}). */
    @GET
    @Path("experiments")
    @Produces(MediaType.APPLICATION_JSON)
    public Response experiments(@QueryParam("limit") String limit, @QueryParam("offset") String offset,
                                @Context UriInfo uri) {
        Paging paging = listings.page(limit, offset);
        Boards.ExperimentPage page = boards.experiments(paging.offset(), paging.limit());
        return paging.response(page.experiments(), page.total(), uri);
    }

    @GET
    @Path("experiments/{id}/progress")
    @Produces(MediaType.APPLICATION_JSON)
    public Boards.ExperimentProgress progress(@PathParam("id") String id) {
        requireKnown(id);
        return boards.progress(id);
    }

    @GET
    @Path("experiments/{id}/partition")
    @Produces(MediaType.APPLICATION_JSON)
    public TaskPartition partition(@PathParam("id") String id) {
        ReceivedPartition p = boards.partition(id);
        if (p == null) {
            throw Problem.notFound("no groups for experiment '" + id + "' yet: methods without grouping have none; "
                    + "grouped ones get them after phase 1");
        }
        return p.partition();
    }

    /**
     * A {@code change} event (data: a version) when the board of the experiment changes, the first at once; every
     * stream is fed by {@link BoardChanges}' one poll.
     */
    @GET
    @Path("experiments/{id}/changes")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    public Multi<OutboundSseEvent> changes(@PathParam("id") String id, @Context Sse sse) {
        requireKnown(id);
        return streams.slots().open(() -> changes.of(id)
                .map(version -> sse.newEventBuilder().name("change").id(version).data(String.class, version).build()));
    }

    private void requireKnown(String id) {
        if (!boards.known(id)) {
            throw Problem.notFound("eval-service has heard nothing of experiment '" + id
                    + "': no progress report, checkpoint or partition of it has arrived");
        }
    }

    private static String webJarVersion(String name) {
        String path = "META-INF/maven/org.webjars.npm/" + name + "/pom.properties";
        try (InputStream in = DashboardResource.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("the " + name + " WebJar is not on the class path (" + path + ")");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }
}
