package org.mmapmtl.cli;

import org.mmapmtl.data.DatasetException;
import org.mmapmtl.data.SyntheticDomains;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "gen-data", mixinStandardHelpOptions = true,
        description = {"Writes a generated multi-domain dataset as root/{domain}/{class}/*.png: classes differ by shape",
                "and texture, domains by style (photo, clipart, sketch, painting). The same seed writes the same pixels."})
final class GenDataCommand implements Callable<Integer> {
    @Option(names = "--out", required = true)
    Path out;

    @Option(names = "--domains", defaultValue = "4")
    int domains;

    @Option(names = "--classes", defaultValue = "10", description = "at most 32 (default: ${DEFAULT-VALUE})")
    int classes;

    @Option(names = "--per-class", defaultValue = "30")
    int perClass;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Option(names = "--size", defaultValue = "64", description = "image side in pixels (default: ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--palette", defaultValue = "class",
            description = {"class: a shape has one hue in every coloured domain (colour is a shortcut to the class);",
                    "domain: each domain its own seeded shape-to-hue permutation (colour is a domain-specific cue);",
                    "random: a random hue per image (only shape and texture tell the class). Default: ${DEFAULT-VALUE}"})
    String palette;

    @Override
    public Integer call() {
        try {
            SyntheticDomains.Palette chosen;
            try {
                chosen = SyntheticDomains.Palette.valueOf(palette.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                System.err.println("mmap gen-data: unknown --palette '" + palette + "'; use class, domain or random");
                return 2;
            }
            long t0 = System.nanoTime();
            var summary = SyntheticDomains.generate(out, domains, classes, perClass, seed, size, chosen);
            System.out.printf("wrote %d images (%d domains %s × %d classes) to %s in %.1f s%n", summary.images(),
                    summary.domains().size(), summary.domains(), summary.classes().size(), out,
                    (System.nanoTime() - t0) / 1e9);
            return 0;
        } catch (DatasetException e) {
            System.err.println("mmap gen-data: " + e.getMessage());
            return 2;
        }
    }
}
