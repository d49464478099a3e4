package org.mmapmtl.cli;

import org.mmapmtl.clip.ClipArchitecture;
import org.mmapmtl.clip.ClipInitializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "init-weights", mixinStandardHelpOptions = true,
        description = "Writes randomly initialized CLIP weights (the reference's init scheme, OpenAI key names) as safetensors.")
final class InitWeightsCommand implements Callable<Integer> {
    @Option(names = "--arch", defaultValue = "tiny", description = "tiny, tiny-deep, ViT-B-32, ViT-B-16 or ViT-L-14 (default: ${DEFAULT-VALUE})")
    String architecture;

    @Option(names = "--seed", defaultValue = "1", description = "the initialisation seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "W.safetensors", description = "the weights file to write")
    Path out;

    @Override
    public Integer call() throws java.io.IOException {
        ClipArchitecture arch;
        try {
            arch = ClipArchitecture.of(architecture);
        } catch (IllegalArgumentException e) {
            System.err.println("mmap init-weights: " + e.getMessage());
            return 2;
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            java.nio.file.Files.createDirectories(parent); // fails with the path when it cannot be made
        }
        ClipInitializer.write(out, arch, seed);
        System.out.println("wrote " + arch.label() + " (seed " + seed + ") to " + out);
        return 0;
    }
}
