package org.mmapmtl.events;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The codec of each event contract (the topics and schemas are listed in docs/events.md). */
public final class EventCodecs {
    public static final EventCodec<GradientSnapshot> GRADIENT = new GradientSnapshotCodec();
    public static final EventCodec<TaskPartition> PARTITION =
            new JsonEventCodec<>(SchemaId.of("mmap.partition", 1), TaskPartition.class);
    public static final EventCodec<Checkpoint> CHECKPOINT =
            new JsonEventCodec<>(new SchemaId("mmap.checkpoint", 1, 6), Checkpoint.class,
                    java.util.Set.of("runSpec", "runSpec.prompt.contextInit", "runSpec.prompt.sourcePerLayer",
                            "runSpec.recipe.batchPer", "runSpec.recipe.precision", "runSpec.recipe.maxGradNorm", "runSpec.phase1",
                            "runSpec.imported"));
    public static final EventCodec<Progress> PROGRESS =
            new JsonEventCodec<>(new SchemaId("mmap.progress", 1, 1), Progress.class, java.util.Set.of("runId", "variant",
                    "phase", "loss", "epochLoss", "taskLosses", "uniformLoss", "learningRate", "gradNorm", "gradClipped", "epochClippedShare",
                    "imagesPerSecond", "etaMillis", "message"));
    public static final EventCodec<Evaluation> EVALUATION =
            new JsonEventCodec<>(SchemaId.of("mmap.evaluation", 1), Evaluation.class);

    private EventCodecs() {
    }

    /** A copy of the mapper the event codecs use (ISO-8601 instants, unknown fields ignored). */
    public static ObjectMapper json() {
        return JsonEventCodec.JSON.copy();
    }
}
