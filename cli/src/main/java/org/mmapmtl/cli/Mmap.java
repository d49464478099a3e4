package org.mmapmtl.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "mmap", mixinStandardHelpOptions = true, version = "mmap-mtl 0.1.0",
        description = "MmAP multi-task prompt learning: local stack, experiments and tools.",
        subcommands = {DemoCommand.class, UpCommand.class, ExperimentCommands.Submit.class, ExperimentCommands.Status.class,
                ExperimentCommands.Results.class, ExperimentCommands.Cancel.class, GenDataCommand.class, DatasetCommand.class, InitWeightsCommand.class, PretrainTinyCommand.class,
                PredictCommand.class, ImportCommand.class, EncodeCommand.class, TokenizeCommand.class,
                GroupCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Mmap {
    public static void main(String[] args) {
        int code = commandLine().execute(args);
        System.exit(code);
    }

    /**
     * The command line with its error handling: a command that fails prints one line naming the command and what went
     * wrong (with the causes' messages), never a stack trace unless {@code MMAP_DEBUG} is set, and exits with the
     * {@link ExitCodes code} of the failure's kind: a file that is not there 3, other bad input 2, anything else 1.
     */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Mmap());
        withExitCodes(cli);
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            command.getErr().println(command.getCommandSpec().qualifiedName() + ": " + oneLine(e));
            if (System.getenv("MMAP_DEBUG") != null) {
                e.printStackTrace(command.getErr());
            }
            command.getErr().flush();
            if (e instanceof ServiceClient.Failure f) {
                return f.exitCode;
            }
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof java.nio.file.NoSuchFileException) {
                    return ExitCodes.NOT_FOUND;
                }
            }
            return e instanceof IllegalArgumentException || e instanceof java.io.UncheckedIOException
                    || e instanceof java.io.IOException ? ExitCodes.USAGE : ExitCodes.FAILED;
        });
        return cli;
    }

    private static void withExitCodes(CommandLine command) {
        command.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(ExitCodes.help());
        command.getSubcommands().values().forEach(Mmap::withExitCodes);
    }

    /** The exception's message followed by each cause's that adds something, e.g. which file exists. */
    static String oneLine(Throwable e) {
        StringBuilder b = new StringBuilder();
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
            String m = t.getMessage();
            if (m == null || m.isBlank()) {
                m = t.getClass().getSimpleName();
            } else if (t instanceof java.nio.file.FileSystemException) {
                m = t.getClass().getSimpleName().replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2")
                        .toLowerCase(java.util.Locale.ROOT) + ": " + m;
            }
            if (b.indexOf(m) >= 0) {
                continue;
            }
            if (b.length() > 0) {
                b.append(": ");
            }
            b.append(m.replace('\n', ' '));
        }
        return b.toString();
    }
}
