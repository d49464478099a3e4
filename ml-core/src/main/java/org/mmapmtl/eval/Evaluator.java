package org.mmapmtl.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.mmapmtl.data.ImagePipeline;
import org.mmapmtl.data.Sample;
import org.mmapmtl.events.Evaluation;
import org.mmapmtl.prompt.PromptedClip;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Top-1 accuracy of a prompted CLIP per task, in batches, each batch on its own manager; a task's class text features
 * are computed once, before its first batch. Unreadable images are skipped (and counted by the pipeline), so they
 * count neither as right nor as wrong.
 */
public final class Evaluator {
    private final PromptedClip model;
    private final ImagePipeline pipeline;
    private final int batchSize;

    public Evaluator(PromptedClip model, ImagePipeline pipeline, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.model = model;
        this.pipeline = pipeline;
        this.batchSize = batchSize;
    }

    /** @param testSets each task's test images, by task name (tasks of the method) */
    public Map<String, Evaluation.TaskScore> evaluate(Map<String, List<Sample>> testSets) {
        Map<String, Evaluation.TaskScore> scores = new LinkedHashMap<>();
        List<String> tasks = model.method().tasks();
        for (Map.Entry<String, List<Sample>> e : testSets.entrySet()) {
            int task = tasks.indexOf(e.getKey());
            if (task < 0) {
                throw new IllegalArgumentException("task '" + e.getKey() + "' is not one of the method's tasks " + tasks);
            }
            scores.put(e.getKey(), score(task, e.getValue()));
        }
        return scores;
    }

    public Evaluation.TaskScore score(int task, List<Sample> samples) {
        ClassificationMetrics m = metrics(task, samples);
        return Evaluation.TaskScore.of(m.correct(), m.total());
    }

    /** The task's predictions on these images, as a confusion matrix over the model's classes. */
    public ClassificationMetrics metrics(int task, List<Sample> samples) {
        org.mmapmtl.train.GradMode.offOnThisThread();
        List<String> classes = model.classNames();
        long[][] confusion = new long[classes.size()][classes.size()];
        int r = pipeline.resolution();
        NDManager base = NDManager.newBaseManager(model.clip().device());
        try (base) {
            model.method().parameters().bind(base);
            NDArray text = null; // the parameters stay as they are: one text forward, at the first readable batch
            for (int from = 0; from < samples.size(); from += batchSize) {
                ImagePipeline.Batch batch = pipeline.load(samples.subList(from, Math.min(samples.size(), from + batchSize)), null);
                if (batch.count() == 0) {
                    continue;
                }
                if (text == null) {
                    text = model.textFeatures(task, base);
                }
                try (NDManager scope = base.newSubManager()) {
                    model.method().parameters().bind(scope);
                    NDArray images = scope.create(batch.pixels(), new Shape(batch.count(), 3, r, r));
                    long[] predicted = model.logits(task, images, text).argMax(1).toLongArray();
                    for (int i = 0; i < batch.count(); i++) {
                        confusion[(int) batch.labels()[i]][(int) predicted[i]]++;
                    }
                }
            }
        }
        return new ClassificationMetrics(classes, confusion);
    }
}
