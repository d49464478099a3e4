package org.mmapmtl.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What `--help` shows a newcomer: every command a summary, every option a description (with its default). */
class CommandLineHelpTest {

    static void collect(CommandLine cli, List<CommandSpec> out) {
        out.add(cli.getCommandSpec());
        cli.getSubcommands().values().forEach(sub -> collect(sub, out));
    }

    @Test
    void everyOptionSaysWhatItIsAndItsDefault() {
        List<CommandSpec> commands = new ArrayList<>();
        collect(Mmap.commandLine(), commands);
        List<String> missing = new ArrayList<>();
        for (CommandSpec c : commands) {
            if (c.name().equals("help")) {
                continue;
            }
            if (c.usageMessage().description().length == 0) {
                missing.add(c.qualifiedName() + ": no description");
            }
            // the summary a command list shows (the header's first line, else the description's) is a whole sentence
            String[] summary = c.usageMessage().header().length > 0 ? c.usageMessage().header() : c.usageMessage().description();
            if (summary.length > 0 && !summary[0].strip().endsWith(".")) {
                missing.add(c.qualifiedName() + ": summary cut mid-sentence: " + summary[0]);
            }
            if (!c.usageMessage().exitCodeList().containsKey(" " + ExitCodes.NOT_FOUND)) {
                missing.add(c.qualifiedName() + ": --help lists no exit codes");
            }
            for (OptionSpec o : c.options()) {
                if (o.usageHelp() || o.versionHelp()) {
                    continue;
                }
                String text = String.join(" ", o.description());
                if (text.isBlank()) {
                    missing.add(c.qualifiedName() + " " + o.longestName() + ": no description");
                } else if (o.defaultValue() != null && !text.contains("${DEFAULT-VALUE}") && !text.contains("default")) {
                    missing.add(c.qualifiedName() + " " + o.longestName() + ": default " + o.defaultValue() + " not shown");
                }
            }
        }
        assertThat(missing).isEmpty();
    }

    @Test
    void aBadAffinityFileIsDescribedInTheFilesTerms(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var nan = java.nio.file.Files.writeString(dir.resolve("nan.json"), "{\"tasks\": [\"a\", \"b\"], \"affinity\": [[1, NaN], [NaN, 1]]}");
        var extra = java.nio.file.Files.writeString(dir.resolve("extra.json"), "{\"tasks\": [\"a\"], \"affinity\": [[1]], \"k\": 2}");
        var text = java.nio.file.Files.writeString(dir.resolve("text.json"), "{\"tasks\": [\"a\"], \"affinity\": [[\"high\"]]}");
        PredictCommandTest.Outcome a = PredictCommandTest.run("group", "--affinity", nan.toString());
        assertThat(a.exit()).isEqualTo(2);
        assertThat(a.err()).contains("line 1").contains("NaN and Infinity are not allowed").doesNotContain("ALLOW_NON_NUMERIC");
        PredictCommandTest.Outcome b = PredictCommandTest.run("group", "--affinity", extra.toString());
        assertThat(b.err()).contains("unknown field 'k'").doesNotContain("GroupCommand$");
        PredictCommandTest.Outcome c = PredictCommandTest.run("group", "--affinity", text.toString());
        assertThat(c.err()).contains("affinity[0][0]").doesNotContain("`");
    }
}
