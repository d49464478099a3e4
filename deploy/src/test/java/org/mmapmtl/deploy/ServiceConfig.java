package org.mmapmtl.deploy;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/** A service's application.properties, as the deployment files must agree with it. */
record ServiceConfig(String service, Properties properties) {
    static final Path ROOT = Manifests.DEPLOY.toAbsolutePath().getParent();
    static final Set<String> SERVICES = Set.of("trainer-service", "grouping-service", "eval-service");

    /** Settings every service shares (service-kit's), which a service's own application.properties overrides. */
    static final Path SHARED = ROOT.resolve("service-kit/src/main/resources/META-INF/microprofile-config.properties");

    static ServiceConfig of(String service) {
        Properties p = new Properties();
        for (Path file : new Path[] {SHARED, ROOT.resolve(service).resolve("src/main/resources/application.properties")}) {
            try (Reader in = Files.newBufferedReader(file)) {
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new ServiceConfig(service, p);
    }

    int httpPort() {
        return Integer.parseInt(properties.getProperty("quarkus.http.port"));
    }

    /** The port of /q/metrics and /q/openapi (Quarkus's management interface). */
    int managementPort() {
        return Integer.parseInt(properties.getProperty("quarkus.management.port"));
    }

    /** Environment variables that set a property some service reads (MicroProfile Config's env mapping). */
    static Set<String> knownEnvironment() {
        Set<String> names = new TreeSet<>();
        for (String service : SERVICES) {
            Properties properties = of(service).properties();
            for (String key : properties.stringPropertyNames()) {
                if (!key.startsWith("%")) {
                    names.add(key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT));
                }
                // a value's ${name:default} reads property name too
                java.util.regex.Matcher used = java.util.regex.Pattern.compile("\\$\\{([A-Za-z0-9.-]+)")
                        .matcher(properties.getProperty(key));
                while (used.find()) {
                    names.add(used.group(1).replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT));
                }
            }
        }
        return names;
    }
}
