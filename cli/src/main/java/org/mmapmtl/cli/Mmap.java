package org.mmapmtl.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "mmap", mixinStandardHelpOptions = true, version = "mmap-mtl 0.1.0",
        description = "MmAP multi-task prompt learning: local stack, experiments and tools.",
        subcommands = {DemoCommand.class, UpCommand.class, ExperimentCommands.Submit.class, ExperimentCommands.Status.class,
                ExperimentCommands.Results.class, ExperimentCommands.Cancel.class, GenDataCommand.class, DatasetCommand.class, InitWeightsCommand.class,
                PredictCommand.class, EncodeCommand.class, TokenizeCommand.class,
                GroupCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Mmap {
    public static void main(String[] args) {
        int code = new CommandLine(new Mmap()).execute(args);
        System.exit(code);
    }
}
