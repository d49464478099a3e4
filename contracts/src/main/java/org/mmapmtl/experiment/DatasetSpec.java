package org.mmapmtl.experiment;

import java.util.List;

/**
 * Which images an experiment trains and tests on: a dataset of one of the known layouts, the tasks (domains) it
 * uses and how each class is split. Exactly one of {@code percent} and {@code shots} is set.
 *
 * @param kind     {@code folder}, {@code office-home} or {@code mini-domainnet}
 * @param root     the dataset folder, under one of the service's allowed data roots
 * @param seed     the split's seed; null draws each run's split with the run's own seed (as Dassl does)
 * @param official MiniDomainNet's own train/test lists (training images sampled from the train list)
 * @param tasks    the domains trained as tasks, in this order; null or empty = every domain
 */
public record DatasetSpec(String kind, String root, Double percent, Integer shots, Long seed, boolean official,
                          List<String> tasks) {
    public DatasetSpec {
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
    }

    public DatasetSpec withTasks(List<String> t) {
        return new DatasetSpec(kind, root, percent, shots, seed, official, t);
    }

    public DatasetSpec withSeed(Long s) {
        return new DatasetSpec(kind, root, percent, shots, s, official, tasks);
    }

    public DatasetSpec withRoot(String r) {
        return new DatasetSpec(kind, r, percent, shots, seed, official, tasks);
    }
}
