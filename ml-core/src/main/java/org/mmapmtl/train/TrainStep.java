package org.mmapmtl.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.mmapmtl.prompt.PromptedClip;
import org.mmapmtl.prompt.TrainableParameters;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One optimisation step. At a gradient snapshot each task's batch goes forward and its cross-entropy backward on its
 * own (one task's image graph in memory at a time), so each task's gradient can be kept; the gradients are added up
 * over tasks. The class text features are computed once per distinct prompt set and each task's backward goes
 * through them ({@link SharedText}). Any other step takes the cheaper, equal path: the summed gradient is the gradient of the summed loss, so all
 * batches go forward together ({@link PromptedClip#logits(List, List)}: one text forward per distinct prompt set,
 * images of tasks with the same prompts in one batch) and one backward follows. Then SGD updates every parameter once.
 * Everything is made on the caller's step manager, to which the parameters are lent.
 */
public final class TrainStep {

    /** One task's batch: pixels [n, 3, r, r] and class indices [n], on the step's manager. */
    public record TaskBatch(int task, NDArray pixels, NDArray labels) {
    }

    /**
     * @param taskLosses        each stepped task's loss, by task name, in task order
     * @param snapshotGradients per stepped task the flattened gradients of the shared parameters (empty unless asked)
     * @param gradNorm          the global L2 norm of the update's gradient (all tasks summed) before any clipping;
     *                          null for a step without batches
     * @param clipped           whether that gradient was scaled down to the maximum norm; null where nothing clips
     */
    public record Outcome(Map<String, Double> taskLosses, Map<String, float[]> snapshotGradients, Double gradNorm,
                          Boolean clipped) {
        public double loss() {
            return taskLosses.values().stream().mapToDouble(Double::doubleValue).sum();
        }
    }

    private final PromptedClip model;
    private final Sgd sgd;
    private final Set<String> shared;
    private final boolean fused;
    private final Double maxGradNorm;

    public TrainStep(PromptedClip model, Sgd sgd) {
        this(model, sgd, true);
    }

    public TrainStep(PromptedClip model, Sgd sgd, boolean fused) {
        this(model, sgd, fused, null);
    }

    /**
     * @param fused whether steps without a snapshot take one forward and one backward for all tasks, and snapshot steps
     *              one text forward per prompt set (the default), or every task its own forward and backward
     * @param maxGradNorm the global norm each update's gradient is clipped to ({@link GradientClipping}); null clips
     *              nothing. Snapshots keep each task's gradient as it came.
     */
    public TrainStep(PromptedClip model, Sgd sgd, boolean fused, Double maxGradNorm) {
        this.model = model;
        this.sgd = sgd;
        this.shared = new HashSet<>(model.method().sharedParameterNames());
        this.fused = fused;
        this.maxGradNorm = maxGradNorm;
    }

    /**
     * @param scope    the step's manager: the parameters are lent to it here and come back when it closes
     * @param snapshot whether to keep each task's gradients of the shared parameters
     */
    public Outcome run(NDManager scope, List<TaskBatch> batches, double learningRate, boolean snapshot, long step) {
        if (batches.isEmpty()) {
            return new Outcome(Map.of(), Map.of(), null, null); // no gradient to measure, nothing moves
        }
        if (fused && !snapshot) {
            return runFused(scope, batches, learningRate, step);
        }
        TrainableParameters parameters = model.method().parameters();
        List<String> taskNames = model.method().tasks();
        parameters.bind(scope);
        Map<String, Double> taskLosses = new LinkedHashMap<>();
        Map<String, float[]> snapshotGradients = new LinkedHashMap<>();
        Map<String, NDArray> summed = new LinkedHashMap<>();
        SharedText text = fused && model.method().textTrainable() && RetainedBackward.available()
                ? new SharedText(batches, scope) : null;
        for (TaskBatch batch : batches) {
            String task = taskNames.get(batch.task());
            float loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                if (text != null) {
                    loss = text.backward(collector, batch);
                } else {
                    NDArray l = crossEntropy(model.logits(batch.task(), batch.pixels()), batch.labels());
                    collector.backward(l);
                    loss = l.getFloat();
                }
            }
            taskLosses.put(task, finite(task, loss, step, learningRate));
            List<float[]> flat = new ArrayList<>();
            for (String name : parameters.names()) {
                NDArray gradient = parameters.get(name).getGradient();
                if (snapshot && shared.contains(name)) {
                    flat.add(gradient.toFloatArray());
                }
                NDArray sum = summed.get(name);
                if (sum == null) {
                    summed.put(name, gradient.duplicate());
                } else {
                    sum.addi(gradient);
                }
                gradient.subi(gradient); // the next task's backward accumulates into a clean buffer
            }
            if (snapshot) {
                snapshotGradients.put(task, concat(flat));
            }
        }
        GradientClipping.Clip clip = measureAndClip(summed.values(), step, learningRate);
        summed.forEach((name, gradient) -> sgd.update(name, parameters.get(name), gradient, learningRate));
        return outcome(taskLosses, snapshotGradients, clip);
    }

    /**
     * A step's class text features, one forward per distinct prompt set, shared by the tasks of that set, each of
     * which still gets its own backward: the loss goes backward to the text features (a detached copy of them, so
     * the image side's gradients and the loss's gradient at the features come out), then that gradient goes
     * backward through the text tower, keeping its graph for the set's next task. The per-task gradients are those of
     * a forward per task: the same sums, in another order.
     */
    private final class SharedText {
        private final NDManager scope;
        private final Map<List<String>, NDArray> features = new LinkedHashMap<>();
        private final Map<List<String>, Integer> tasksLeft = new LinkedHashMap<>();

        SharedText(List<TaskBatch> batches, NDManager scope) {
            this.scope = scope;
            batches.forEach(b -> tasksLeft.merge(model.method().slots(b.task()), 1, Integer::sum));
        }

        float backward(GradientCollector collector, TaskBatch batch) {
            List<String> slots = model.method().slots(batch.task());
            NDArray text = features.computeIfAbsent(slots, k -> model.textFeatures(batch.task(), scope));
            NDArray cut = text.stopGradient();
            cut.setRequiresGradient(true);
            NDArray l = crossEntropy(model.logits(batch.task(), batch.pixels(), cut), batch.labels());
            collector.backward(l);
            RetainedBackward.run(text, cut.getGradient(), tasksLeft.merge(slots, -1, Integer::sum) > 0);
            return l.getFloat();
        }
    }

    private Outcome runFused(NDManager scope, List<TaskBatch> batches, double learningRate, long step) {
        TrainableParameters parameters = model.method().parameters();
        List<String> taskNames = model.method().tasks();
        parameters.bind(scope);
        Map<String, Double> taskLosses = new LinkedHashMap<>();
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            List<NDArray> logits = model.logits(batches.stream().map(TaskBatch::task).toList(),
                    batches.stream().map(TaskBatch::pixels).toList());
            List<NDArray> losses = new ArrayList<>();
            NDArray total = null;
            for (int i = 0; i < batches.size(); i++) {
                NDArray l = crossEntropy(logits.get(i), batches.get(i).labels());
                losses.add(l);
                total = total == null ? l : total.add(l);
            }
            collector.backward(total);
            for (int i = 0; i < batches.size(); i++) {
                String task = taskNames.get(batches.get(i).task());
                float loss = losses.get(i).getFloat();
                taskLosses.put(task, finite(task, loss, step, learningRate));
            }
        }
        Map<String, NDArray> gradients = new LinkedHashMap<>();
        for (String name : parameters.names()) {
            gradients.put(name, parameters.get(name).getGradient());
        }
        GradientClipping.Clip clip = measureAndClip(gradients.values(), step, learningRate);
        gradients.forEach((name, gradient) -> {
            sgd.update(name, parameters.get(name), gradient, learningRate);
            gradient.subi(gradient); // the next step's backward accumulates into a clean buffer
        });
        return outcome(taskLosses, Map.of(), clip);
    }

    /**
     * The update gradient's global norm, measured on every step (progress reports carry it), and the gradient clipped
     * to {@code maxGradNorm} where the recipe asks. A norm that is not finite stops the run before it reaches the
     * parameters: a finite loss can still have a NaN gradient.
     */
    private GradientClipping.Clip measureAndClip(Collection<NDArray> gradients, long step, double learningRate) {
        GradientClipping.Clip clip = maxGradNorm != null ? GradientClipping.clip(gradients, maxGradNorm)
                : new GradientClipping.Clip(GradientClipping.norm(gradients), false);
        if (!Double.isFinite(clip.norm())) {
            throw new TrainingDivergedException("the gradient's norm is " + clip.norm() + " at step " + step
                    + " (learning rate " + learningRate + "); lower the learning rate"
                    + (maxGradNorm == null ? " or clip the gradient (recipe.maxGradNorm)" : ""));
        }
        return clip;
    }

    private Outcome outcome(Map<String, Double> taskLosses, Map<String, float[]> snapshotGradients,
                            GradientClipping.Clip clip) {
        return new Outcome(taskLosses, snapshotGradients, clip.norm(), maxGradNorm == null ? null : clip.scaled());
    }

    private static double finite(String task, float loss, long step, double learningRate) {
        if (!Float.isFinite(loss)) {
            throw new TrainingDivergedException("the loss of task " + task + " is " + loss + " at step " + step
                    + " (learning rate " + learningRate + "); lower the learning rate");
        }
        return loss;
    }

    /** Mean cross-entropy of logits [batch, classes] against class indices. */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        long classes = logits.getShape().get(1);
        return logits.logSoftmax(1).mul(labels.oneHot((int) classes)).sum(new int[] {1}).neg().mean();
    }

    private static float[] concat(List<float[]> parts) {
        int n = parts.stream().mapToInt(p -> p.length).sum();
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
