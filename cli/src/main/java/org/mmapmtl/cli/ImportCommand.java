package org.mmapmtl.cli;

import org.mmapmtl.experiment.ExperimentSpec;
import org.mmapmtl.train.BaseWeights;
import org.mmapmtl.train.PromptImport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Makes a CoOp or MaPLe prompt learner, trained with their own code, into a checkpoint of ours.",
        footer = {"%nThe prompt learner's state dict saved as safetensors (prompt_learner.ctx; MaPLe also proj, "
                + "compound_prompts_text.N and compound_prompt_projections.N), on the CLIP weights it was trained on. "
                + "CoOp becomes coop-mt, MaPLe maple-mt; ./mmap predict reads the result, and an experiment spec scores it "
                + "beside its methods when it lists the file under imported (see docs/experiments.md)."})
final class ImportCommand implements Callable<Integer> {
    @Option(names = "--from", required = true, description = "coop or maple: whose code saved the file")
    String from;

    @Parameters(index = "0", paramLabel = "FILE", description = "the prompt learner's tensors (.safetensors)")
    Path file;

    @Option(names = "--weights", required = true, paramLabel = "W",
            description = "the CLIP weights the prompts were trained on (.safetensors), or generated:tiny[-vN]")
    String weights;

    @Option(names = "--artifacts-dir", defaultValue = "${sys:mmap.home:-.}/.mmap/artifacts", paramLabel = "DIR",
            description = "where generated:tiny weights are kept (default: ${DEFAULT-VALUE}, ./mmap up's)")
    Path artifactsDir;

    @Option(names = "--tasks", split = ",", defaultValue = "imported", paramLabel = "T[,T...]",
            description = "the task names the checkpoint answers to, each with the same prompts (default: ${DEFAULT-VALUE})")
    List<String> tasks;

    @Option(names = "--out", required = true, paramLabel = "CHECKPOINT", description = "the checkpoint to write")
    Path out;

    @Override
    public Integer call() {
        PromptImport.Source source;
        try {
            source = PromptImport.Source.valueOf(from.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            System.err.println("mmap import: --from '" + from + "' must be coop or maple");
            return ExitCodes.USAGE;
        }
        if (!Files.isRegularFile(file)) {
            System.err.println("mmap import: no such file " + file);
            return ExitCodes.NOT_FOUND;
        }
        Path base;
        try {
            base = BaseWeights.resolve(weights, artifactsDir, System.err::println);
        } catch (IllegalArgumentException e) {
            System.err.println("mmap import: " + e.getMessage());
            return ExperimentSpec.isGenerated(weights) ? ExitCodes.USAGE : ExitCodes.NOT_FOUND;
        }
        try {
            PromptImport.Imported imported = PromptImport.run(source, file, base, tasks, out);
            System.out.printf(Locale.ROOT, "wrote %s: %s, %d token(s) per layer, %d layer(s), %d parameters, tasks %s%n",
                    imported.checkpoint(), imported.method(), imported.tokens(), imported.depth(), imported.parameters(), tasks);
            return ExitCodes.OK;
        } catch (IllegalArgumentException e) {
            System.err.println("mmap import: " + e.getMessage());
            return ExitCodes.USAGE;
        }
    }
}
