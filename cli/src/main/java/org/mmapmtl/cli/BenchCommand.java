package org.mmapmtl.cli;

import org.mmapmtl.bench.PartitionSearchBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks that write JSON results.",
        subcommands = {BenchCommand.PartitionSearchCommand.class})
final class BenchCommand {

    @Command(name = "partition-search", mixinStandardHelpOptions = true,
            description = "Exact search time for n = 8, 12, 16, 18; heuristic score ratio vs exact for n <= 18 and time for n = 32, 64.")
    static final class PartitionSearchCommand implements Callable<Integer> {
        @Option(names = "--out", defaultValue = "bench/results/partition-search.json")
        Path out;

        @Option(names = "--matrices", defaultValue = "5", description = "random matrices per size (default: ${DEFAULT-VALUE})")
        int matrices;

        @Override
        public Integer call() throws Exception {
            PartitionSearchBench.run(out, matrices, System.out);
            return 0;
        }
    }
}
