package org.mmapmtl.trainer.experiment;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.mmapmtl.events.TaskPartition;
import org.mmapmtl.service.Problem;

import java.time.Instant;

@Path("/experiments")
@Produces(MediaType.APPLICATION_JSON)
public class ExperimentResource {

    /** @param partition the groups phase 2 trains, once decided; null before */
    public record ExperimentView(String id, Phase phase, Instant createdAt, Instant updatedAt, TaskPartition partition) {
    }

    @GET
    @Path("/{id}")
    public ExperimentView get(@PathParam("id") String id) {
        Experiment e = Experiment.findById(id);
        if (e == null) {
            throw Problem.notFound("no experiment '" + id + "' is known to this trainer");
        }
        ReceivedPartition p = ReceivedPartition.findById(id);
        return new ExperimentView(e.id, e.phase, e.createdAt, e.updatedAt, p == null ? null : p.partition());
    }
}
