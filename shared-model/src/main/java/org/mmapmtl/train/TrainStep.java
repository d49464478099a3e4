package org.mmapmtl.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.mmapmtl.prompt.PromptedClip;
import org.mmapmtl.prompt.TrainableParameters;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One optimisation step: for each task its batch goes forward, its cross-entropy backward (one task's graph in memory
 * at a time), its gradients are added up over tasks and, when asked, kept per task for a snapshot; then SGD updates
 * every parameter once. Everything is made on the caller's step manager, to which the parameters are lent.
 */
public final class TrainStep {

    /** One task's batch: pixels [n, 3, r, r] and class indices [n], on the step's manager. */
    public record TaskBatch(int task, NDArray pixels, NDArray labels) {
    }

    /**
     * @param taskLosses        each stepped task's loss, by task name, in task order
     * @param snapshotGradients per stepped task the flattened gradients of the shared parameters (empty unless asked)
     */
    public record Outcome(Map<String, Double> taskLosses, Map<String, float[]> snapshotGradients) {
        public double loss() {
            return taskLosses.values().stream().mapToDouble(Double::doubleValue).sum();
        }
    }

    private final PromptedClip model;
    private final Sgd sgd;
    private final Set<String> shared;

    public TrainStep(PromptedClip model, Sgd sgd) {
        this.model = model;
        this.sgd = sgd;
        this.shared = new HashSet<>(model.method().sharedParameterNames());
    }

    /**
     * @param scope    the step's manager: the parameters are lent to it here and come back when it closes
     * @param snapshot whether to keep each task's gradients of the shared parameters
     */
    public Outcome run(NDManager scope, List<TaskBatch> batches, double learningRate, boolean snapshot, long step) {
        TrainableParameters parameters = model.method().parameters();
        List<String> taskNames = model.method().tasks();
        parameters.bind(scope);
        Map<String, Double> taskLosses = new LinkedHashMap<>();
        Map<String, float[]> snapshotGradients = new LinkedHashMap<>();
        Map<String, NDArray> summed = new LinkedHashMap<>();
        for (TaskBatch batch : batches) {
            String task = taskNames.get(batch.task());
            float loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray l = crossEntropy(model.logits(batch.task(), batch.pixels()), batch.labels());
                collector.backward(l);
                loss = l.getFloat();
            }
            if (!Float.isFinite(loss)) {
                throw new TrainingDivergedException("the loss of task " + task + " is " + loss + " at step " + step
                        + " (learning rate " + learningRate + "); lower the learning rate");
            }
            taskLosses.put(task, (double) loss);
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
        summed.forEach((name, gradient) -> sgd.update(name, parameters.get(name), gradient, learningRate));
        return new Outcome(taskLosses, snapshotGradients);
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
