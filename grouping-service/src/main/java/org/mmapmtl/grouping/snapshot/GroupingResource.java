package org.mmapmtl.grouping.snapshot;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.mmapmtl.service.Problem;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

@Path("/groupings")
@Produces(MediaType.APPLICATION_JSON)
public class GroupingResource {

    /**
     * What the service knows of an experiment's grouping.
     *
     * @param received per task, the snapshot indices that have arrived
     * @param complete whether every task has sent every snapshot
     */
    public record GroupingStatus(String experimentId, List<String> tasks, int snapshots, int dimension,
                                 Map<String, List<Integer>> received, boolean complete) {
    }

    @GET
    @Path("/{experimentId}")
    public GroupingStatus get(@PathParam("experimentId") String experimentId) {
        List<ReceivedSnapshot> all = ReceivedSnapshot.allOf(experimentId);
        if (all.isEmpty()) {
            throw Problem.notFound("no gradient snapshot of experiment '" + experimentId
                    + "' has arrived on mmap.gradients");
        }
        ReceivedSnapshot first = all.get(0);
        Map<String, TreeSet<Integer>> byTask = new LinkedHashMap<>();
        first.taskList().forEach(t -> byTask.put(t, new TreeSet<>()));
        all.forEach(s -> byTask.get(s.task).add(s.snapshot));
        Map<String, List<Integer>> received = new LinkedHashMap<>();
        byTask.forEach((task, snapshots) -> received.put(task, List.copyOf(snapshots)));
        boolean complete = byTask.values().stream().allMatch(s -> s.size() == first.snapshots);
        return new GroupingStatus(experimentId, first.taskList(), first.snapshots, first.dimension, received, complete);
    }
}
