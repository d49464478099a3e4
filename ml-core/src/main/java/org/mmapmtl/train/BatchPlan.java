package org.mmapmtl.train;

import org.mmapmtl.data.Seeds;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Which training images each task sees at each step. A pure function of (seed, task names and sizes, batch size,
 * sampling), so a resumed run draws exactly the batches the uninterrupted run would have.
 */
public final class BatchPlan {

    public enum Sampling {
        /**
         * Every task walks through its own shuffled order, reshuffled when exhausted, one batch of {@code batchSize}
         * per step. An epoch is as many steps as the largest task needs to see all of its images once (smaller tasks
         * see theirs more often): every task weighs the same, whatever its size.
         */
        PER_TASK,
        /**
         * All tasks' images in one shuffled order, {@code batchSize × tasks} of them per step, each step's draw split
         * by task: tasks weigh by their size, as one concatenated dataset, and a step may leave a small task out.
         * An epoch sees every image once.
         */
        MIXED
    }

    private final long seed;
    private final List<String> tasks;
    private final int[] sizes;
    private final int batchSize;
    private final Sampling sampling;
    private final long stepsPerEpoch;
    private final int pooled;
    private final int[] offsets;
    private final Map<String, int[]> orders = new HashMap<>();
    private long drawnStep = -1;
    private int[][] drawn;

    public BatchPlan(long seed, List<String> tasks, int[] sizes, int batchSize) {
        this(seed, tasks, sizes, batchSize, Sampling.PER_TASK);
    }

    public BatchPlan(long seed, List<String> tasks, int[] sizes, int batchSize, Sampling sampling) {
        if (tasks.size() != sizes.length) {
            throw new IllegalArgumentException("one size per task");
        }
        long most = 0;
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] < 1) {
                throw new IllegalArgumentException("task " + tasks.get(i) + " has no training images");
            }
            most = Math.max(most, (sizes[i] + batchSize - 1) / batchSize);
        }
        this.seed = seed;
        this.tasks = List.copyOf(tasks);
        this.sizes = sizes.clone();
        this.batchSize = batchSize;
        this.sampling = sampling;
        this.offsets = new int[sizes.length];
        int total = 0;
        for (int i = 0; i < sizes.length; i++) {
            offsets[i] = total;
            total += sizes[i];
        }
        this.pooled = total;
        this.stepsPerEpoch = sampling == Sampling.PER_TASK ? most
                : (total + mixedStepSize() - 1) / mixedStepSize();
    }

    public Sampling sampling() {
        return sampling;
    }

    public long stepsPerEpoch() {
        return stepsPerEpoch;
    }

    /** The indices (into the task's training list) of the task's batch at a global step; empty if none this step. */
    public int[] batch(int task, long step) {
        if (sampling == Sampling.MIXED) {
            return mixedDraw(step)[task].clone();
        }
        int n = sizes[task];
        int size = Math.min(batchSize, n);
        int[] out = new int[size];
        for (int i = 0; i < size; i++) {
            long position = step * size + i;
            out[i] = order(task, position / n)[(int) (position % n)];
        }
        return out;
    }

    /** The seed of a task's augmentation at a step. */
    public long augmentSeed(int task, long step) {
        return Seeds.derive(seed, "augment/" + tasks.get(task) + "/" + step);
    }

    private int mixedStepSize() {
        return Math.min(batchSize * tasks.size(), pooled);
    }

    /** Per task, the indices of its images in a mixed step's draw, in draw order. */
    private int[][] mixedDraw(long step) {
        if (step != drawnStep) {
            int size = mixedStepSize();
            int[] counts = new int[tasks.size()];
            int[] pick = new int[size];
            for (int i = 0; i < size; i++) {
                long position = step * size + i;
                pick[i] = order("*mixed*", pooled, position / pooled)[(int) (position % pooled)];
                counts[taskOf(pick[i])]++;
            }
            int[][] out = new int[tasks.size()][];
            for (int t = 0; t < out.length; t++) {
                out[t] = new int[counts[t]];
                counts[t] = 0;
            }
            for (int p : pick) {
                int t = taskOf(p);
                out[t][counts[t]++] = p - offsets[t];
            }
            drawn = out;
            drawnStep = step;
        }
        return drawn;
    }

    private int taskOf(int pooledIndex) {
        int t = 0;
        while (t + 1 < offsets.length && offsets[t + 1] <= pooledIndex) {
            t++;
        }
        return t;
    }

    private int[] order(int task, long pass) {
        return order(tasks.get(task), sizes[task], pass);
    }

    private int[] order(String name, int n, long pass) {
        String key = name + "/" + pass;
        if (orders.size() > 8L * tasks.size()) {
            orders.clear();
        }
        return orders.computeIfAbsent(key, k -> {
            int[] perm = new int[n];
            for (int i = 0; i < n; i++) {
                perm[i] = i;
            }
            SplittableRandom random = new SplittableRandom(Seeds.derive(seed, "order/" + key));
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            return perm;
        });
    }
}
