package org.mmapmtl.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The training and test images of every task of a dataset, drawn per domain and class with a seed: the same seed
 * gives the same files on every machine. With {@code officialLists}, training images are drawn from the dataset's
 * own train list and its test list is the test set (MiniDomainNet's {@code split: official}).
 */
public record Split(String kind, Path root, List<String> classNames, SplitRule rule, long seed, boolean officialLists,
                    List<TaskSplit> tasks) {
    public Split {
        classNames = List.copyOf(classNames);
        tasks = List.copyOf(tasks);
    }

    public static Split of(Dataset dataset, SplitRule rule, long seed, boolean officialLists) {
        List<TaskSplit> tasks = new ArrayList<>();
        for (Domain domain : dataset.domains()) {
            if (officialLists && domain.officialTrain().isEmpty()) {
                throw new DatasetException(dataset.kind() + " has no official train list for domain " + domain.name());
            }
            Set<String> official = new HashSet<>(domain.officialTrain());
            List<Sample> train = new ArrayList<>();
            List<Sample> test = new ArrayList<>();
            for (int label = 0; label < dataset.classNames().size(); label++) {
                final int l = label;
                List<Sample> pool = new ArrayList<>(domain.samples().stream().filter(s -> s.label() == l)
                        .filter(s -> !officialLists || official.contains(s.path()))
                        .sorted(Comparator.comparing(Sample::path)).toList());
                if (pool.isEmpty()) {
                    continue;
                }
                String classFolder = pool.get(0).path().split("/")[1];
                SplitMix64.forClass(seed, domain.name(), classFolder).shuffle(pool);
                int n = rule.trainCount(pool.size());
                train.addAll(pool.subList(0, n));
                if (!officialLists) {
                    test.addAll(pool.subList(n, pool.size()));
                }
            }
            if (officialLists) {
                domain.samples().stream().filter(s -> !official.contains(s.path())).forEach(test::add);
            }
            tasks.add(new TaskSplit(domain.name(), train, test));
        }
        return new Split(dataset.kind(), dataset.root(), dataset.classNames(), rule, seed, officialLists, tasks);
    }

    public TaskSplit task(String name) {
        return tasks.stream().filter(t -> t.task().equals(name)).findFirst()
                .orElseThrow(() -> new DatasetException("no task '" + name + "' in this split (tasks: "
                        + tasks.stream().map(TaskSplit::task).toList() + ")"));
    }
}
