package org.mmapmtl.trainer.run;

import org.mmapmtl.trainer.experiment.TrainingRun;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.experiment.RunSpec;
import org.mmapmtl.service.Durably;
import org.mmapmtl.train.CheckpointFile;
import org.mmapmtl.train.RunExecutor;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a run's checkpoint announcements into the outbox, once per (run, epoch), after the file is durable and only
 * while this trainer holds the run; {@link CheckpointPublisher} sends them.
 */
@ApplicationScoped
public class CheckpointRecorder {

    /** A resumed run's checkpoints whose record a crash may have kept from the outbox. */
    public void recordExisting(RunSpec run, Path runDir, String owner) {
        List<Path> files = new ArrayList<>(RunExecutor.epochCheckpoints(runDir));
        for (String name : RunExecutor.UNTRAINED_FILES) {
            if (Files.isRegularFile(runDir.resolve(name))) {
                files.add(runDir.resolve(name));
            }
        }
        for (Path f : files) {
            CheckpointFile.Loaded loaded = CheckpointFile.read(f);
            long params = Long.parseLong(loaded.metadata().getOrDefault("trainable_params", "0"));
            record(run, new CheckpointFile.Saved(f, CheckpointFile.sha256(f), loaded.epoch(), loaded.step(),
                    Boolean.parseBoolean(loaded.metadata().get("final")), params), owner);
        }
    }

    /** Records a saved checkpoint for the relay, unless another trainer took the run over. */
    public void record(RunSpec run, CheckpointFile.Saved saved, String owner) {
        Checkpoint event = new Checkpoint(run.experimentId(), run.runId(), run.method(), run.seed(), run.tasks(),
                run.groups(), saved.epoch(), saved.last(), saved.path().toAbsolutePath().toUri().toString(),
                saved.sha256(), saved.trainableParameters(), run);
        Durably.run("recording checkpoint epoch " + saved.epoch() + " of " + run.runId(), () -> QuarkusTransaction.requiringNew().run(() -> {
            if (CheckpointOutbox.findById(new CheckpointOutbox.Key(run.runId(), saved.epoch())) != null) {
                return;
            }
            TrainingRun r = TrainingRun.findById(run.runId());
            if (!owner.equals(r.owner)) {
                throw new IllegalStateException("run " + run.runId() + " was taken over by " + r.owner
                        + "; this trainer does not announce its checkpoint");
            }
            CheckpointOutbox row = new CheckpointOutbox();
            row.runId = run.runId();
            row.experimentId = run.experimentId();
            row.epoch = saved.epoch();
            row.payload = new String(EventCodecs.CHECKPOINT.encode(event), StandardCharsets.UTF_8);
            row.createdAt = Instant.now();
            row.persist();
        }));
    }
}
