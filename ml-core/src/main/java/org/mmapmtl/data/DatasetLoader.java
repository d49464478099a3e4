package org.mmapmtl.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Reads Office-Home, MiniDomainNet (Dassl layout) and any {@code root/{domain}/{class}/*} folder. */
public final class DatasetLoader {
    public static final List<String> OFFICE_HOME_DOMAINS = List.of("Art", "Clipart", "Product", "Real_World");
    public static final List<String> MINI_DOMAINNET_DOMAINS = List.of("clipart", "painting", "real", "sketch");
    public static final int MINI_DOMAINNET_CLASSES = 126;
    static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif");

    private DatasetLoader() {
    }

    /** @param kind office-home, mini-domainnet or folder */
    public static Dataset load(String kind, Path root) {
        return switch (kind.toLowerCase(Locale.ROOT)) {
            case "office-home", "officehome" -> officeHome(root);
            case "mini-domainnet", "minidomainnet" -> miniDomainNet(root);
            case "folder" -> folder(root);
            default -> throw new DatasetException("unknown dataset kind '" + kind
                    + "': use office-home, mini-domainnet or folder");
        };
    }

    public static Dataset officeHome(Path root) {
        return folders(root, OFFICE_HOME_DOMAINS, "office-home");
    }

    /** Every sub-folder of the root is a domain, every sub-folder of a domain a class. */
    public static Dataset folder(Path root) {
        requireFolder(root, "dataset root");
        List<String> domains;
        try (Stream<Path> children = Files.list(root)) {
            domains = children.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
        if (domains.isEmpty()) {
            throw new DatasetException(root + " has no domain folders: expected root/{domain}/{class}/images");
        }
        return folders(root, domains, "folder");
    }

    private static Dataset folders(Path root, List<String> domainNames, String kind) {
        requireFolder(root, "dataset root");
        Map<String, List<String>> classesByDomain = new HashMap<>();
        TreeSet<String> allClasses = new TreeSet<>();
        for (String domain : domainNames) {
            Path dir = root.resolve(domain);
            if (!Files.isDirectory(dir)) {
                throw new DatasetException("missing domain folder " + dir + " (" + kind + " needs " + domainNames + ")");
            }
            List<String> classes = subfolders(dir);
            if (classes.isEmpty()) {
                throw new DatasetException("domain folder " + dir + " has no class folders");
            }
            classesByDomain.put(domain, classes);
            allClasses.addAll(classes);
        }
        List<String> classFolders = List.copyOf(allClasses);
        for (String domain : domainNames) {
            Set<String> missing = new TreeSet<>(allClasses);
            classesByDomain.get(domain).forEach(missing::remove);
            if (!missing.isEmpty()) {
                throw new DatasetException("domain folder " + root.resolve(domain) + " lacks class folders " + missing
                        + " that other domains have; every domain must hold the same classes");
            }
        }
        List<Domain> domains = new ArrayList<>();
        for (String domain : domainNames) {
            List<Sample> samples = new ArrayList<>();
            for (int label = 0; label < classFolders.size(); label++) {
                Path classDir = root.resolve(domain).resolve(classFolders.get(label));
                List<String> images = images(classDir);
                if (images.isEmpty()) {
                    throw new DatasetException("empty class folder " + classDir + ": no "
                            + String.join("/", new TreeSet<>(IMAGE_EXTENSIONS)) + " images");
                }
                for (String image : images) {
                    samples.add(new Sample(domain + "/" + classFolders.get(label) + "/" + image, label));
                }
            }
            domains.add(new Domain(domain, samples, List.of()));
        }
        return new Dataset(kind, root, classFolders.stream().map(Dataset::className).toList(), domains);
    }

    /**
     * MiniDomainNet as Dassl lays it out: images under {@code root/{domain}/...} and the lists
     * {@code root/splits_mini/{domain}_{train,test}.txt} of {@code relative/path label}. Class names come from the
     * folder each label's images are in.
     */
    public static Dataset miniDomainNet(Path root) {
        requireFolder(root, "dataset root");
        Path splits = root.resolve("splits_mini");
        if (!Files.isDirectory(splits)) {
            throw new DatasetException("missing split folder " + splits
                    + " (MiniDomainNet in the Dassl layout has splits_mini/{domain}_{train,test}.txt)");
        }
        Map<Integer, String> classOfLabel = new HashMap<>();
        Map<Integer, String> firstSeenAt = new HashMap<>();
        List<Domain> domains = new ArrayList<>();
        for (String domain : MINI_DOMAINNET_DOMAINS) {
            List<Sample> train = readList(root, splits.resolve(domain + "_train.txt"), classOfLabel, firstSeenAt);
            List<Sample> test = readList(root, splits.resolve(domain + "_test.txt"), classOfLabel, firstSeenAt);
            List<Sample> all = new ArrayList<>(train);
            all.addAll(test);
            domains.add(new Domain(domain, all, train.stream().map(Sample::path).toList()));
        }
        int classes = classOfLabel.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        List<String> names = new ArrayList<>();
        for (int label = 0; label < classes; label++) {
            String folder = classOfLabel.get(label);
            if (folder == null) {
                throw new DatasetException("label " + label + " has no image in any list of " + splits
                        + ": labels must run from 0 without gaps");
            }
            names.add(Dataset.className(folder));
        }
        return new Dataset("mini-domainnet", root, names, domains);
    }

    private static List<Sample> readList(Path root, Path list, Map<Integer, String> classOfLabel,
                                         Map<Integer, String> firstSeenAt) {
        if (!Files.isRegularFile(list)) {
            throw new DatasetException("missing split file " + list);
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(list, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + list, e);
        }
        List<Sample> samples = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            String where = list + ":" + (i + 1);
            if (line.isEmpty()) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                throw new DatasetException(where + ": expected 'relative/path label', got '" + line + "'");
            }
            String path = line.substring(0, space).strip();
            int label;
            try {
                label = Integer.parseInt(line.substring(space + 1));
            } catch (NumberFormatException e) {
                throw new DatasetException(where + ": label '" + line.substring(space + 1) + "' is not an integer");
            }
            if (label < 0 || label >= MINI_DOMAINNET_CLASSES) {
                throw new DatasetException(where + ": label " + label + " is out of range 0.." + (MINI_DOMAINNET_CLASSES - 1));
            }
            if (!Files.isRegularFile(root.resolve(path))) {
                throw new DatasetException(where + ": " + path + " does not exist under " + root);
            }
            String[] parts = path.split("/");
            if (parts.length < 3) {
                throw new DatasetException(where + ": " + path + " is not domain/class/file");
            }
            String folder = parts[1];
            String known = classOfLabel.putIfAbsent(label, folder);
            firstSeenAt.putIfAbsent(label, where);
            if (known != null && !known.equals(folder)) {
                throw new DatasetException(where + ": label " + label + " is class '" + folder + "' here but '" + known
                        + "' at " + firstSeenAt.get(label));
            }
            if (seen.add(path)) {
                samples.add(new Sample(path, label));
            }
        }
        return samples;
    }

    private static void requireFolder(Path path, String what) {
        if (!Files.exists(path)) {
            throw new DatasetException(what + " " + path + " does not exist");
        }
        if (!Files.isDirectory(path)) {
            throw new DatasetException(what + " " + path + " is not a folder");
        }
    }

    private static List<String> subfolders(Path dir) {
        try (Stream<Path> children = Files.list(dir)) {
            return children.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static List<String> images(Path dir) {
        try (Stream<Path> children = Files.list(dir)) {
            return children.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .filter(DatasetLoader::isImage).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    static boolean isImage(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 && IMAGE_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
