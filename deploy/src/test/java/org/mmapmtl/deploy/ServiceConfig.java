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

    static ServiceConfig of(String service) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(ROOT.resolve(service).resolve("src/main/resources/application.properties"))) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
            for (String key : of(service).properties().stringPropertyNames()) {
                if (!key.startsWith("%")) {
                    names.add(key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT));
                }
            }
        }
        return names;
    }
}
