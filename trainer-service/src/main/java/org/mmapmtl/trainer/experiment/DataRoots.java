package org.mmapmtl.trainer.experiment;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.mmapmtl.trainer.TrainerSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
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

    /**
     * The real path, or why it is refused. A path outside the roots is refused before anything about it is looked up,
     * so that the answer never tells whether a file exists elsewhere on the machine.
     */
    public Result check(String path, boolean directory) {
        Path p;
        try {
            p = Path.of(path).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            return Result.refused("'" + shown(path) + "' is not a valid path: " + e.getReason());
        }
        List<Path> roots = roots();
        List<Path> configured = settings.dataRoots().stream().filter(r -> !r.isBlank())
                .map(r -> Path.of(r.trim()).toAbsolutePath().normalize()).toList();
        if (roots.stream().noneMatch(p::startsWith) && configured.stream().noneMatch(p::startsWith)) {
            return outside(path, p, roots);
        }
        if (!Files.exists(p)) {
            return Result.refused("'" + shown(path) + "' does not exist (resolved to " + shown(p.toString()) + ")");
        }
        Path real;
        try {
            real = p.toRealPath();
        } catch (IOException e) {
            return Result.refused("'" + shown(path) + "' cannot be resolved: " + e.getMessage());
        }
        if (roots.stream().noneMatch(real::startsWith)) {
            return outside(path, real, roots); // a symbolic link out of the roots
        }
        if (directory != Files.isDirectory(real)) {
            return Result.refused("'" + shown(path) + "' is " + (directory ? "not a folder" : "a folder, not a file"));
        }
        return new Result(Optional.of(real), null);
    }

    private static Result outside(String path, Path resolved, List<Path> roots) {
        return Result.refused("'" + shown(path) + "' (" + shown(resolved.toString()) + ") is outside the allowed data roots "
                + roots + "; put it under one of them or add its folder to MMAP_DATA_ROOTS");
    }

    /** A path as an answer repeats it: long ones cut, so that a request cannot make the answer large. */
    private static String shown(String path) {
        return path.length() <= 200 ? path : path.substring(0, 200) + "… (" + path.length() + " characters)";
    }

    public record Result(Optional<Path> path, String problem) {
        static Result refused(String why) {
            return new Result(Optional.empty(), why);
        }
    }
}
