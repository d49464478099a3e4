package org.mmapmtl.trainer.experiment;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.mmapmtl.trainer.TrainerSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The allow-list of folders that specs may name (MMAP_DATA_ROOTS): a path is resolved (relative to the service's
 * working folder), its symbolic links followed, and refused unless it lies under one of the roots, so that
 * {@code ..}, a link out of a root or an absolute path elsewhere cannot make the trainer read arbitrary files.
 */
@ApplicationScoped
public class DataRoots {
    @Inject
    TrainerSettings settings;

    public List<Path> roots() {
        List<Path> roots = new ArrayList<>();
        for (String r : settings.dataRoots()) {
            if (r.isBlank()) {
                continue;
            }
            Path p = Path.of(r.trim()).toAbsolutePath().normalize();
            try {
                roots.add(p.toRealPath());
            } catch (IOException e) {
                roots.add(p); // a root that does not exist yet admits nothing until it does
            }
        }
        return roots;
    }

    /** The real path, or why it is refused. */
    public Result check(String path, boolean directory) {
        Path p = Path.of(path).toAbsolutePath().normalize();
        if (!Files.exists(p)) {
            return Result.refused("'" + path + "' does not exist (resolved to " + p + ")");
        }
        Path real;
        try {
            real = p.toRealPath();
        } catch (IOException e) {
            return Result.refused("'" + path + "' cannot be resolved: " + e.getMessage());
        }
        List<Path> roots = roots();
        if (roots.stream().noneMatch(real::startsWith)) {
            return Result.refused("'" + path + "' (" + real + ") is outside the allowed data roots " + roots
                    + "; put it under one of them or add its folder to MMAP_DATA_ROOTS");
        }
        if (directory != Files.isDirectory(real)) {
            return Result.refused("'" + path + "' is " + (directory ? "not a folder" : "a folder, not a file"));
        }
        return new Result(Optional.of(real), null);
    }

    public record Result(Optional<Path> path, String problem) {
        static Result refused(String why) {
            return new Result(Optional.empty(), why);
        }
    }
}
