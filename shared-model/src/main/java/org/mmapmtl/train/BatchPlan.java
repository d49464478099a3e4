package org.mmapmtl.train;

import org.mmapmtl.data.Seeds;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Which training images each task sees at each step: every task walks through its own shuffled order, reshuffled
 * when exhausted, one batch per step. An epoch is as many steps as the largest task needs to see all of its images
 * once (smaller tasks see theirs more often). A pure function of (seed, task names and sizes, batch size), so a
 * resumed run draws exactly the batches the uninterrupted run would have.
 */
public final class BatchPlan {
    private final long seed;
    private final List<String> tasks;
    private final int[] sizes;
    private final int batchSize;
    private final long stepsPerEpoch;
    private final Map<String, int[]> orders = new HashMap<>();

    public BatchPlan(long seed, List<String> tasks, int[] sizes, int batchSize) {
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
        this.stepsPerEpoch = most;
    }

    public long stepsPerEpoch() {
        return stepsPerEpoch;
    }

    /** The indices (into the task's training list) of the task's batch at a global step. */
    public int[] batch(int task, long step) {
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

    private int[] order(int task, long pass) {
        String key = tasks.get(task) + "/" + pass;
        if (orders.size() > 8L * tasks.size()) {
            orders.clear();
        }
        return orders.computeIfAbsent(key, k -> {
            int n = sizes[task];
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
