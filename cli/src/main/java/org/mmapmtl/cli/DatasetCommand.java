package org.mmapmtl.cli;

import org.mmapmtl.data.Dataset;
import org.mmapmtl.data.DatasetException;
import org.mmapmtl.data.DatasetLoader;
import org.mmapmtl.data.Sample;
import org.mmapmtl.data.Split;
import org.mmapmtl.data.SplitManifest;
import org.mmapmtl.data.SplitRule;
import org.mmapmtl.data.TaskSplit;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "dataset", mixinStandardHelpOptions = true, description = "Looks at a dataset.",
        subcommands = {DatasetCommand.Stats.class})
final class DatasetCommand {

    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = "Images per domain and class, and per split with --percent or --shots.")
    static final class Stats implements Callable<Integer> {
        @Option(names = "--kind", required = true, description = "office-home, mini-domainnet or folder")
        String kind;

        @Option(names = "--root", required = true, description = "the dataset folder")
        Path root;

        static final class Rule {
            @Option(names = "--percent", description = "training share per class, e.g. 10 (Office-Home) or 1 (MiniDomainNet)")
            Double percent;

            @Option(names = "--shots", description = "training images per class")
            Integer shots;
        }

        @ArgGroup(exclusive = true)
        Rule rule;

        @Option(names = "--seed", defaultValue = "1", description = "the split seed (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--official", description = "draw training images from the dataset's own train list (MiniDomainNet)")
        boolean official;

        @Option(names = "--per-class", description = "also print a row per class")
        boolean perClass;

        @Option(names = "--manifest", description = "write the split's file lists to this JSON file")
        Path manifest;

        @Override
        public Integer call() {
            try {
                Dataset d = DatasetLoader.load(kind, root);
                Split split = rule == null ? null : Split.of(d,
                        rule.percent != null ? new SplitRule.Percent(rule.percent) : new SplitRule.Shots(rule.shots),
                        seed, official);
                System.out.printf("%s at %s: %d classes, %d domains%n", d.kind(), d.root(), d.classNames().size(),
                        d.domains().size());
                System.out.printf("%-14s %8s%s%n", "domain", "images", split == null ? "" : String.format(" %8s %8s", "train", "test"));
                for (var domain : d.domains()) {
                    TaskSplit t = split == null ? null : split.task(domain.name());
                    System.out.printf("%-14s %8d%s%n", domain.name(), domain.samples().size(),
                            t == null ? "" : String.format(" %8d %8d", t.train().size(), t.test().size()));
                    if (perClass) {
                        for (int c = 0; c < d.classNames().size(); c++) {
                            System.out.printf("  %-24s %6d%s%n", d.classNames().get(c), count(domain.samples(), c),
                                    t == null ? "" : String.format(" %8d %8d", count(t.train(), c), count(t.test(), c)));
                        }
                    }
                }
                if (manifest != null && split != null) {
                    SplitManifest.write(split, manifest);
                    System.out.println("split written to " + manifest);
                }
                return 0;
            } catch (DatasetException e) {
                System.err.println("mmap dataset stats: " + e.getMessage());
                return 2;
            }
        }

        private static long count(List<Sample> samples, int label) {
            return samples.stream().filter(s -> s.label() == label).count();
        }
    }
}
