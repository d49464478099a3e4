package org.mmapmtl.groupingservice;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.mmapmtl.events.TaskPartition;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks what Quarkus's native build steps produced without a GraalVM toolchain ({@code -Pnative-sources}): the
 * native-image arguments and the reflection configuration a native executable would be built from.
 */
@Tag("native-sources")
class NativeSourcesIT {
    static final Path SOURCES = Path.of("target", "native-sources");

    @Test
    void contractRecordsCodedAsJsonAreRegisteredForReflection() throws IOException {
        Map<String, JsonNode> reflection = reflectionConfig();
        for (Class<?> type : List.of(TaskPartition.class)) {
            JsonNode entry = reflection.get(type.getName());
            assertThat(entry).as(type.getName() + " registered for reflection").isNotNull();
            assertThat(entry.path("allDeclaredConstructors").asBoolean() || entry.has("methods"))
                    .as(type.getName() + " constructors").isTrue();
            assertThat(entry.path("allDeclaredMethods").asBoolean() || entry.path("allPublicMethods").asBoolean())
                    .as(type.getName() + " accessors").isTrue();
        }
    }

    @Test
    void argumentsBuildAStandaloneExecutableWithoutTheMlStack() throws IOException {
        String args = Files.readString(SOURCES.resolve("native-image.args"));
        assertThat(args).contains("--no-fallback").contains("--link-at-build-time");
        try (Stream<Path> libs = Files.list(SOURCES.resolve("lib"))) {
            assertThat(libs.map(p -> p.getFileName().toString()))
                    .noneMatch(name -> name.startsWith("ai.djl") || name.contains("imageio") || name.contains("ml-core"));
        }
    }

    @Test
    void theNativeDockerfileCompilesWithTheGraalVmTheseSourcesWereMadeFor() throws IOException {
        String graal = Files.readString(SOURCES.resolve("graalvm.version")).strip();
        String dockerfile = Files.readString(Path.of("..", "deploy", "Dockerfile.grouping.native"));
        assertThat(dockerfile).as("deploy/Dockerfile.grouping.native's builder for native-image.args of GraalVM " + graal)
                .contains("mandrel-builder-image:jdk-" + graal.split("\\.")[0]);
        assertThat(dockerfile).contains("COPY --chown=quarkus grouping-service/target/native-sources/ /build/");
    }

    static Map<String, JsonNode> reflectionConfig() throws IOException {
        Path runner;
        try (Stream<Path> files = Files.list(SOURCES)) {
            runner = files.filter(p -> p.getFileName().toString().endsWith("-runner.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("no *-runner.jar in " + SOURCES.toAbsolutePath()
                            + ": build with -Pnative-sources"));
        }
        Map<String, JsonNode> byName = new HashMap<>();
        try (JarFile jar = new JarFile(runner.toFile())) {
            var entry = jar.getJarEntry("META-INF/native-image/reflect-config.json");
            assertThat(entry).as("reflect-config.json in " + runner).isNotNull();
            try (InputStream in = jar.getInputStream(entry)) {
                for (JsonNode node : new ObjectMapper().readTree(in)) {
                    byName.put(node.get("name").asText(), node);
                }
            }
        }
        return byName;
    }
}
