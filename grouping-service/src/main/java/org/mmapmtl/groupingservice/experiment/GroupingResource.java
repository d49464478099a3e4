package org.mmapmtl.groupingservice.experiment;

import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.mmapmtl.events.TaskPartition;
import org.mmapmtl.service.Problem;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

@Path("/groupings")
@Produces(MediaType.APPLICATION_JSON)
@jakarta.annotation.security.RolesAllowed(org.mmapmtl.service.access.Roles.VIEWER)
public class GroupingResource {

    /**
     * What the service knows of an experiment's grouping.
     *
     * @param received          per task, the snapshot indices that have arrived
     * @param completeSnapshots the snapshots every task has sent, already folded into the affinity
     * @param affinity          the mean similarity over the complete snapshots so far (null before the first)
     * @param partition         the decision, once every snapshot is in (null before)
     * @param publishedAt       when mmap.partitions acknowledged the decision
     */
    public record GroupingView(String experimentId, List<String> tasks, int snapshots, int dimension,
                               Map<String, List<Integer>> received, List<Integer> completeSnapshots, double[][] affinity,
                               TaskPartition partition, Instant publishedAt) {
    }

    @GET
    @Path("/{experimentId}")
    @Transactional
    public GroupingView get(@PathParam("experimentId") String experimentId) {
        GroupingExperiment experiment = GroupingExperiment.findById(experimentId);
        if (experiment == null) {
            throw Problem.notFound("no grouping for experiment '" + experimentId + "': it is unknown here, or its "
                    + "phase-1 run has not sent a gradient snapshot yet (only experiments with a grouped method have one)");
        }
        List<SnapshotAffinity> complete = SnapshotAffinity.allOf(experimentId);
        List<Integer> completeIndices = complete.stream().map(a -> a.snapshot).toList();
        Map<String, TreeSet<Integer>> byTask = new LinkedHashMap<>();
        experiment.taskList().forEach(t -> byTask.put(t, new TreeSet<>(completeIndices)));
        ReceivedSnapshot.allPending(experimentId).forEach(s -> byTask.get(s.task).add(s.snapshot));
        Map<String, List<Integer>> received = new LinkedHashMap<>();
        byTask.forEach((task, snapshots) -> received.put(task, List.copyOf(snapshots)));
        GroupingDecision decision = GroupingDecision.findById(experimentId);
        return new GroupingView(experimentId, experiment.taskList(), experiment.snapshots, experiment.dimension, received,
                completeIndices, SnapshotAffinity.mean(complete), decision == null ? null : decision.partition(),
                decision == null ? null : decision.publishedAt);
    }
}
