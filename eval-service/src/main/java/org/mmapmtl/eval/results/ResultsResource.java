package org.mmapmtl.eval.results;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.mmapmtl.service.Problem;

import java.time.Instant;
import java.util.List;

@Path("/results")
@Produces(MediaType.APPLICATION_JSON)
public class ResultsResource {

    /** @param evaluated whether this checkpoint has been scored on the test splits yet */
    public record CheckpointView(String runId, String method, long seed, int epoch, boolean finalEpoch, String uri,
                                 long trainableParams, List<String> tasks, List<List<String>> groups, boolean evaluated,
                                 Instant receivedAt) {
    }

    public record ExperimentResults(String experimentId, List<CheckpointView> checkpoints) {
    }

    @GET
    @Path("/{experimentId}")
    public ExperimentResults get(@PathParam("experimentId") String experimentId) {
        List<ReceivedCheckpoint> received = ReceivedCheckpoint.ofExperiment(experimentId);
        if (received.isEmpty()) {
            throw Problem.notFound("no checkpoint of experiment '" + experimentId + "' has arrived on mmap.checkpoints");
        }
        return new ExperimentResults(experimentId, received.stream().map(r -> {
            var c = r.checkpoint();
            return new CheckpointView(r.runId, r.method, r.seed, r.epoch, r.finalEpoch, r.uri, r.trainableParams,
                    c.tasks(), c.groups(), false, r.receivedAt);
        }).toList());
    }
}
