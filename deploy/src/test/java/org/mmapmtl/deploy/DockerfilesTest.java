package org.mmapmtl.deploy;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Dockerfiles against the build: what they COPY exists once ./mvnw package has run (the reactor builds this module
 * after the services), they run as a non-root user on the service's port, with an explicit heap and a health check.
 * Nothing here builds an image (no Docker on this machine).
 */
class DockerfilesTest {

    record Instruction(String keyword, String arguments) {
    }

    static List<Instruction> instructions(Path dockerfile) throws IOException {
        List<Instruction> out = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String raw : Files.readAllLines(dockerfile)) {
            if (line.isEmpty() && (raw.isBlank() || raw.stripLeading().startsWith("#"))) {
                continue;
            }
            if (raw.endsWith("\\")) {
                line.append(raw, 0, raw.length() - 1).append(' ');
                continue;
            }
            line.append(raw);
            String text = line.toString().strip();
            int space = text.indexOf(' ');
            out.add(new Instruction(text.substring(0, space).toUpperCase(), text.substring(space + 1).strip()));
            line.setLength(0);
        }
        return out;
    }

    static List<Path> dockerfiles() throws IOException {
        try (Stream<Path> files = Files.list(Manifests.DEPLOY)) {
            return files.filter(p -> p.getFileName().toString().startsWith("Dockerfile.")).sorted().toList();
        }
    }

    static String service(Path dockerfile) {
        return dockerfile.getFileName().toString().split("\\.")[1] + "-service";
    }

    @Test
    void everyServiceHasJvmImagesAndTheGpuAndNativeOnesTheIssueNames() throws IOException {
        assertThat(dockerfiles().stream().map(p -> p.getFileName().toString())).contains(
                "Dockerfile.trainer.jvm", "Dockerfile.trainer.cuda", "Dockerfile.eval.jvm", "Dockerfile.eval.cuda",
                "Dockerfile.grouping.jvm", "Dockerfile.grouping.native");
    }

    @Test
    void copySourcesExistAfterPackage() throws IOException {
        Assumptions.assumeTrue(ServiceConfig.SERVICES.stream().anyMatch(s -> Files.isDirectory(
                        ServiceConfig.ROOT.resolve(s).resolve("target/quarkus-app"))),
                "no service is packaged (./mvnw test, or this module alone): nothing to compare the COPY lines with");
        List<String> missing = new ArrayList<>();
        for (Path dockerfile : dockerfiles()) {
            for (Instruction i : instructions(dockerfile)) {
                if (!i.keyword().equals("COPY") || i.arguments().contains("--from=")) {
                    continue;
                }
                List<String> words = new ArrayList<>(List.of(i.arguments().split("\\s+")));
                words.removeIf(w -> w.startsWith("--"));
                for (String source : words.subList(0, words.size() - 1)) {
                    if (dockerfile.getFileName().toString().endsWith(".native")) {
                        // written by -Pnative-sources (a later .ci/run step, where NativeSourcesIT checks it)
                        assertThat(source).isEqualTo("grouping-service/target/native-sources/");
                    } else if (!exists(ServiceConfig.ROOT, source)) {
                        missing.add(dockerfile.getFileName() + ": COPY " + source);
                    }
                }
            }
        }
        assertThat(missing).as("COPY sources missing; build the services first (./mvnw package)").isEmpty();
    }

    private static boolean exists(Path root, String source) throws IOException {
        Path path = root.resolve(source);
        String name = path.getFileName().toString();
        if (!name.contains("*")) {
            return Files.exists(path);
        }
        try (DirectoryStream<Path> matches = Files.newDirectoryStream(path.getParent(), name)) {
            return matches.iterator().hasNext();
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
    }

    @Test
    void imagesRunAsNonRootOnTheServicePortWithAnExplicitHeap() throws IOException {
        for (Path dockerfile : dockerfiles()) {
            String name = dockerfile.getFileName().toString();
            List<Instruction> all = instructions(dockerfile);
            int port = ServiceConfig.of(service(dockerfile)).httpPort();
            String text = Files.readString(dockerfile);
            List<String> users = all.stream().filter(i -> i.keyword().equals("USER")).map(Instruction::arguments).toList();
            assertThat(users).as(name + " USER").isNotEmpty();
            assertThat(users.get(users.size() - 1)).as(name + " runs as non-root").isNotIn("0", "root");
            assertThat(all).as(name + " EXPOSE").contains(new Instruction("EXPOSE", String.valueOf(port)));
            assertThat(text).as(name).contains("QUARKUS_HTTP_PORT=" + port).doesNotContain("MaxRAMPercentage");
            if (name.endsWith(".native")) {
                assertThat(text).as(name + " heap").contains("-Xmx");
            } else {
                assertThat(text).as(name + " heap").containsPattern("JAVA_OPTS=\"[^\"]*-Xmx");
                assertThat(all).as(name + " HEALTHCHECK").anyMatch(i -> i.keyword().equals("HEALTHCHECK")
                        && i.arguments().contains(":" + port + "/q/health/ready"));
            }
            String variant = name.substring(name.lastIndexOf('.') + 1);
            String tag = KubernetesManifestsTest.baseImage(service(dockerfile)) + (variant.equals("jvm") ? "" : "-" + variant);
            assertThat(text).as(name + " builds the image the manifests deploy").contains("-t " + tag + " .");
            if (name.contains("trainer") || name.contains("eval")) {
                assertThat(text).as(name + " keeps DJL offline and its cache writable")
                        .contains("ai.djl.offline=true").contains("DJL_CACHE_DIR=/tmp/djl");
            }
            if (name.contains("eval")) {
                // the image's /app belongs to root: the evaluator's cache of test images must live elsewhere
                assertThat(text).as(name + " puts the evaluator's cache in a writable place").contains("MMAP_CACHE_DIR=/tmp/");
            }
            if (name.endsWith(".cuda")) {
                assertThat(text).as(name).contains("PYTORCH_VERSION=2.7.1").contains("PYTORCH_FLAVOR=cu128")
                        .contains("-Pcuda");
            }
        }
    }
}
