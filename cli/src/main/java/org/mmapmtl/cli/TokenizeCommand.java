package org.mmapmtl.cli;

import org.mmapmtl.tokenizer.ClipTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Prints, per text, one JSON array of the 77 CLIP token ids (start, BPE ids, end, zero padding).")
final class TokenizeCommand implements Callable<Integer> {

    @Option(names = "--vocab", paramLabel = "V",
            description = "bpe_simple_vocab_16e6.txt.gz (or a merges file of that form), or a folder with Hugging Face"
                    + " vocab.json + merges.txt (default: the vocabulary shipped with mmap)")
    Path vocab;

    @Option(names = "--context-length", defaultValue = "77", description = "tokens per text (default: ${DEFAULT-VALUE})")
    int contextLength;

    @Option(names = "--no-truncate", description = "refuse texts longer than the context instead of truncating them")
    boolean noTruncate;

    @Parameters(paramLabel = "TEXT", arity = "1..*")
    List<String> texts;

    @Override
    public Integer call() {
        ClipTokenizer tokenizer;
        try {
            tokenizer = load(vocab);
        } catch (IllegalArgumentException e) {
            System.err.println("mmap tokenize: " + e.getMessage());
            return 2;
        }
        for (String text : texts) {
            try {
                int[] ids = tokenizer.tokenize(text, contextLength, !noTruncate);
                System.out.println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]")));
            } catch (IllegalArgumentException e) {
                System.err.println("mmap tokenize: " + e.getMessage());
                return 2;
            }
        }
        return 0;
    }

    static ClipTokenizer load(Path vocab) {
        if (vocab == null) {
            return ClipTokenizer.bundled();
        }
        if (Files.isDirectory(vocab)) {
            return ClipTokenizer.fromHuggingFace(vocab.resolve("vocab.json"), vocab.resolve("merges.txt"));
        }
        return ClipTokenizer.fromMergesFile(vocab);
    }
}
