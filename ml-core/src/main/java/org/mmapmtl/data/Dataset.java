package org.mmapmtl.data;

import java.nio.file.Path;
import java.util.List;

/**
 * A multi-domain classification dataset: the same classes in every domain, each domain a task.
 *
 * @param kind       office-home, mini-domainnet or folder
 * @param classNames folder names with '_' turned into spaces, in label order
 */
public record Dataset(String kind, Path root, List<String> classNames, List<Domain> domains) {
    public Dataset {
        classNames = List.copyOf(classNames);
        domains = List.copyOf(domains);
    }

    public Domain domain(String name) {
        return domains.stream().filter(d -> d.name().equals(name)).findFirst()
                .orElseThrow(() -> new DatasetException("no domain '" + name + "' in " + root + " (domains: "
                        + domains.stream().map(Domain::name).toList() + ")"));
    }

    public static String className(String folder) {
        return folder.replace('_', ' ');
    }
}
