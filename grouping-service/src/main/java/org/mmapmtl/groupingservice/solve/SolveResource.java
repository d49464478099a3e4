package org.mmapmtl.groupingservice.solve;

import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.mmapmtl.grouping.AffinityMatrix;
import org.mmapmtl.grouping.GroupingObjective;
import org.mmapmtl.grouping.Partition;
import org.mmapmtl.grouping.PartitionSearch;
import org.mmapmtl.groupingservice.experiment.GroupingSettings;
import org.mmapmtl.service.ConcurrencyLimit;
import org.mmapmtl.service.Problem;

import java.util.ArrayList;
import java.util.List;

/** The partition search on a posted matrix: for what-if questions and for clients that compute their own affinity. */
@Path("/groupings/solve")
@jakarta.inject.Singleton
@jakarta.annotation.security.RolesAllowed(org.mmapmtl.service.access.Roles.ADMIN)
public class SolveResource {
    @Inject
    GroupingSettings settings;

    /** searches running now, at most mmap.grouping.solve-max-concurrent */
    ConcurrencyLimit running;

    @PostConstruct
    void limits() {
        running = new ConcurrencyLimit(settings.solveMaxConcurrent());
    }

    /**
     * @param objective      threshold (default, tau 0), mean-centred, k, all-in-one or singletons
     * @param exactLimit     largest task count solved exactly (default and most: the service's mmap.grouping.exact-limit)
     * @param allowHeuristic whether a larger problem may be solved by local search (default true)
     */
    public record SolveRequest(List<String> tasks, double[][] affinity, String objective, Integer k, Double tau,
                               Integer exactLimit, Boolean allowHeuristic, Long seed) {
    }

    public record SolveResponse(List<List<String>> groups, double score, String solver, String objective, double tau) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public SolveResponse solve(SolveRequest request) {
        if (request == null) {
            throw Problem.badRequest("the body must be a JSON object with tasks and affinity", List.of());
        }
        // what a request may cost is capped by the service's configuration, whatever the request asks for
        if (request.tasks() != null && request.tasks().size() > settings.solveMaxTasks()) {
            throw new org.mmapmtl.service.ProblemException(Problem.of(jakarta.ws.rs.core.Response.Status.REQUEST_ENTITY_TOO_LARGE,
                    request.tasks().size() + " tasks; this service partitions at most " + settings.solveMaxTasks()
                            + " per request (mmap.grouping.solve-max-tasks)"));
        }
        List<Problem.FieldError> errors = new ArrayList<>();
        if (request.exactLimit() != null && request.exactLimit() > settings.exactLimit()) {
            errors.add(new Problem.FieldError("exactLimit", "at most " + settings.exactLimit() + " here (the exact search "
                    + "grows as 3^n; mmap.grouping.exact-limit), got " + request.exactLimit()));
        }
        if (request.affinity() != null && request.affinity().length > settings.solveMaxTasks()) {
            errors.add(new Problem.FieldError("affinity", "at most " + settings.solveMaxTasks() + " rows"));
        }
        for (String p : AffinityMatrix.postedProblems(request.tasks(), request.affinity())) {
            int colon = p.indexOf(": ");
            errors.add(new Problem.FieldError(p.substring(0, colon), p.substring(colon + 2)));
        }
        int taskCount = request.tasks() != null && !request.tasks().isEmpty() ? request.tasks().size()
                : request.affinity() != null ? request.affinity().length : 0;
        if (request.k() != null && taskCount > 0 && request.k() > taskCount) {
            errors.add(new Problem.FieldError("k", request.k() + " groups cannot be made of " + taskCount + " tasks"));
        }
        String tauProblem = GroupingObjective.tauProblem(request.tau());
        if (tauProblem != null) {
            // also where the objective ignores tau: a value that makes no sense is refused, not dropped
            errors.add(new Problem.FieldError("tau", tauProblem));
        }
        GroupingObjective objective = null;
        try {
            objective = GroupingObjective.parse(request.objective(), request.k(), tauProblem == null ? request.tau() : null);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            String field = m.startsWith("k ") || m.contains("number of groups k") ? "k"
                    : m.startsWith("tau ") || m.contains("computes tau") ? "tau" : "objective";
            errors.add(new Problem.FieldError(field, m));
        }
        PartitionSearch.Options options = null;
        try {
            PartitionSearch.Options d = settings.searchOptions();
            options = new PartitionSearch.Options(request.exactLimit() == null ? d.exactLimit() : request.exactLimit(),
                    request.allowHeuristic() == null ? d.allowHeuristic() : request.allowHeuristic(),
                    request.seed() == null ? d.seed() : request.seed(), d.restarts());
        } catch (IllegalArgumentException e) {
            errors.add(new Problem.FieldError("exactLimit", e.getMessage()));
        }
        if (!errors.isEmpty()) {
            throw Problem.badRequest("the posted matrix cannot be partitioned: " + errors.size() + " problem(s)", errors);
        }
        AffinityMatrix affinity = new AffinityMatrix(request.tasks(), request.affinity());
        if (!running.tryEnter()) {
            throw Problem.unavailable(settings.solveMaxConcurrent() + " searches are already running"
                    + " (mmap.grouping.solve-max-concurrent); retry shortly");
        }
        Partition p;
        try {
            p = PartitionSearch.solve(affinity, objective, options);
        } catch (IllegalArgumentException e) {
            throw Problem.badRequest(e.getMessage(), List.of(new Problem.FieldError(
                    e.getMessage().contains("exact search limit") ? "allowHeuristic" : "k", e.getMessage())));
        } finally {
            running.leave();
        }
        return new SolveResponse(p.named(affinity.tasks()), p.score(), p.solver().label(), p.objective(), p.tau());
    }
}
