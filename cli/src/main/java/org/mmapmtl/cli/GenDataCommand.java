package org.mmapmtl.cli;

import org.mmapmtl.data.DatasetException;
import org.mmapmtl.data.ShapeWorld;
import org.mmapmtl.data.SyntheticDomains;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "gen-data", mixinStandardHelpOptions = true,
        header = "Writes a generated multi-domain image dataset (the shape world or the styles world).",
        description = {"Writes a generated multi-domain dataset as root/{domain}/{class}/*.png. The shape world (the",
                "default): classes are shapes, domains the task styles clipart, sketch, painting, pixel, which the",
                "tiny CLIP of generated:tiny never saw in its pretraining. The styles world: classes differ by shape",
                "and texture, domains by style (photo, clipart, sketch, painting, photo_2). The same seed writes the",
                "same pixels."})
final class GenDataCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "FOLDER", description = "an empty or new folder")
    Path out;

    @Option(names = "--force", description = "write into a folder that already holds files (the old images stay beside the new)")
    boolean force;

    @Option(names = "--world", defaultValue = "shapes",
            description = "shapes (what generated:tiny was pretrained for) or styles (default: ${DEFAULT-VALUE})")
    String world;

    @Option(names = "--domains", defaultValue = "4", description = "shapes: 1 to 4 (clipart, sketch, painting, pixel); "
            + "styles: 1 or more (photo, clipart, sketch, painting, photo_2, ...) (default: ${DEFAULT-VALUE})")
    int domains;

    @Option(names = "--classes", defaultValue = "6", description = "shapes: 2 to 8; styles: at most 32 (default: ${DEFAULT-VALUE})")
    int classes;

    @Option(names = "--per-class", defaultValue = "30", description = "images per class and domain (default: ${DEFAULT-VALUE})")
    int perClass;

    @Option(names = "--seed", defaultValue = "1", description = "the same seed writes the same pixels (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--size", description = "image side in pixels (default: 48 for shapes, the tiny CLIP's input; 64 for styles)")
    Integer size;

    @Option(names = "--palette", defaultValue = "class",
            description = {"styles world only. class: a shape has one hue in every coloured domain (colour is a",
                    "shortcut to the class);",
                    "domain: each domain its own seeded shape-to-hue permutation (colour is a domain-specific cue);",
                    "random: a random hue per image (only shape and texture tell the class). (default: ${DEFAULT-VALUE})"})
    String palette;

    @Override
    public Integer call() throws java.io.IOException {
        try {
            boolean shapes = world.equals("shapes");
            if (!shapes && !world.equals("styles")) {
                System.err.println("mmap gen-data: unknown --world '" + world + "'; use shapes or styles");
                return 2;
            }
            if (shapes && (domains < 1 || domains > ShapeWorld.TASK_STYLES.size())) {
                System.err.println("mmap gen-data: the shape world has 1 to " + ShapeWorld.TASK_STYLES.size()
                        + " domains " + ShapeWorld.TASK_STYLES + ", not " + domains);
                return 2;
            }
            int side = size != null ? size : shapes ? 48 : 64;
            SyntheticDomains.Palette chosen;
            try {
                chosen = SyntheticDomains.Palette.valueOf(palette.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                System.err.println("mmap gen-data: unknown --palette '" + palette + "'; use class, domain or random");
                return 2;
            }
            if (java.nio.file.Files.exists(out) && !java.nio.file.Files.isDirectory(out)) {
                System.err.println("mmap gen-data: --out " + out + " is a file; give a folder");
                return 2;
            }
            // the same command again writes the same pixels over themselves; other settings would mix two datasets
            String settings = String.format(java.util.Locale.ROOT, "world=%s domains=%d classes=%d per-class=%d seed=%d size=%d%s",
                    world, domains, classes, perClass, seed, side,
                    shapes ? "" : " palette=" + chosen.name().toLowerCase(java.util.Locale.ROOT));
            Path stamp = out.resolve(".gen-data");
            if (!force && java.nio.file.Files.isDirectory(out)) {
                boolean same = java.nio.file.Files.isRegularFile(stamp)
                        && java.nio.file.Files.readString(stamp).strip().equals(settings);
                try (var entries = java.nio.file.Files.list(out)) {
                    if (!same && entries.findAny().isPresent()) {
                        System.err.println("mmap gen-data: " + out + " already holds other files; old and new images "
                                + "would mix: choose an empty folder, or pass --force");
                        return 2;
                    }
                }
            }
            long t0 = System.nanoTime();
            List<String> names;
            int images;
            int classCount;
            if (shapes) {
                var summary = ShapeWorld.writeTasks(out, ShapeWorld.TASK_STYLES.subList(0, domains), classes, perClass,
                        seed, side);
                names = summary.domains();
                images = summary.images();
                classCount = summary.classes().size();
            } else {
                var summary = SyntheticDomains.generate(out, domains, classes, perClass, seed, side, chosen);
                names = summary.domains();
                images = summary.images();
                classCount = summary.classes().size();
            }
            java.nio.file.Files.writeString(stamp, settings + "\n");
            System.out.printf("wrote %d images (%d domains %s × %d classes) to %s in %.1f s%n", images,
                    names.size(), names, classCount, out, (System.nanoTime() - t0) / 1e9);
            return 0;
        } catch (DatasetException e) {
            System.err.println("mmap gen-data: " + e.getMessage());
            return 2;
        }
    }
}
