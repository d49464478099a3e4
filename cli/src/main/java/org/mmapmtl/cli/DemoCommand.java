package org.mmapmtl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mmapmtl.data.SyntheticDomains;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The whole pipeline on this machine: starts Kafka, PostgreSQL and the three services, generates",
                "a five-domain dataset and a tiny CLIP pretrained on one domain, trains the baselines and MmAP with task",
                "grouping on the other four, prints the groups and the results table, and stops everything."})
final class DemoCommand implements Callable<Integer> {
    static final List<String> TASKS = List.of("clipart", "sketch", "painting", "photo_2");

    @Option(names = "--methods", split = ",", defaultValue = "zero-shot,coop-mt,vpt-mt,maple-mt,mmap,mmap-random,mmap-all-in-one",
            description = "methods to compare (default: ${DEFAULT-VALUE})")
    List<String> methods;

    @Option(names = "--seeds", split = ",", defaultValue = "1,2", description = "seeds (default: ${DEFAULT-VALUE})")
    List<Long> seeds;

    @Option(names = "--epochs", defaultValue = "3", description = "training epochs per run (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--keep", description = "keep the services running after the table, until Ctrl-C")
    boolean keep;

    @Option(names = "--fresh", description = "forget earlier demos: topics, database, generated data, tiny CLIP")
    boolean fresh;

    @Option(names = "--state-dir", defaultValue = "${sys:mmap.home:-.}/.mmap/demo",
            description = "everything the demo keeps: data, weights, checkpoints, logs (default: ${DEFAULT-VALUE})")
    Path stateDir;

    @Option(names = "--home", defaultValue = "${sys:mmap.home:-.}", description = "the project checkout with the built services (default: ${DEFAULT-VALUE}, the checkout ./mmap runs from)")
    Path home;

    @Option(names = "--ports", split = ",", defaultValue = "9092,15432,8081,8082,8083",
            description = "Kafka, PostgreSQL, trainer, grouping and eval ports (default: ${DEFAULT-VALUE})")
    List<Integer> ports;

    @Option(names = "--timeout", defaultValue = "1800", description = "seconds to wait for the experiment (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        if (ports.size() != 5) {
            System.err.println("mmap demo: --ports takes five ports: Kafka, PostgreSQL, trainer, grouping, eval");
            return 2;
        }
        Instant began = Instant.now();
        Path state = stateDir.toAbsolutePath().normalize();
        Path data = state.resolve("data");
        if (fresh) {
            deleteTree(data);
            deleteTree(state.resolve("artifacts"));
        }
        try {
            if (!Files.isDirectory(data.resolve("photo_2"))) {
                System.out.println("Generating the demo dataset (5 domains × 6 classes × 16 images) in " + data + " ...");
                deleteTree(data);
                SyntheticDomains.generate(data, 5, 6, 16, 1, 64);
            }
        } catch (RuntimeException e) {
            System.err.println("mmap demo: cannot make the demo dataset in " + data + ": " + e.getMessage());
            return 1;
        }
        LocalServices all;
        try {
            all = LocalServices.start(home, state, new LocalServices.Ports(ports.get(0), ports.get(1), ports.get(2),
                    ports.get(3), ports.get(4)), fresh, 180);
        } catch (RuntimeException e) {
            System.err.println("mmap demo: " + e.getMessage());
            return 1;
        }
        Thread hook = new Thread(all::close, "mmap-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            int code = run(all, data, began);
            if (code == 0 && keep) {
                System.out.println("\nThe services keep running (--keep); Ctrl-C stops everything.");
                new CountDownLatch(1).await();
            }
            return code;
        } catch (RuntimeException e) {
            System.err.println("mmap demo: " + e.getMessage());
            return 1;
        } finally {
            all.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }

    private int run(LocalServices all, Path data, Instant began) throws InterruptedException {
        ServiceClient trainer = new ServiceClient(all.services.get(0).url(), "the demo's trainer");
        ServiceClient grouping = new ServiceClient(all.services.get(1).url(), "the demo's grouping service");
        ServiceClient eval = new ServiceClient(all.services.get(2).url(), "the demo's eval service");
        String id = "demo-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
        ObjectNode spec = ServiceClient.JSON.createObjectNode();
        spec.put("id", id);
        ObjectNode dataset = spec.putObject("dataset");
        dataset.put("kind", "folder").put("root", data.toString()).put("percent", 50);
        TASKS.forEach(dataset.putArray("tasks")::add);
        spec.put("weights", "generated:tiny");
        methods.forEach(spec.putArray("methods")::add);
        seeds.forEach(spec.putArray("seeds")::add);
        // a tiny world learns in a few dozen steps: no warm-up epoch, no augmentation of the 64-pixel images, the
        // learning rate of the training tests; real experiments keep the paper's recipe
        spec.putObject("recipe").put("epochs", epochs).put("batchSize", 8).put("learningRate", 0.002)
                .put("warmupEpochs", 0).put("augment", false);
        spec.putObject("grouping").put("snapshots", 2).put("objective", "threshold");
        JsonNode submitted = trainer.post("/experiments", spec.toString().getBytes(StandardCharsets.UTF_8), "application/json");
        System.out.println("\nExperiment " + id + ": " + methods + " on " + TASKS + ", seeds " + seeds + ", "
                + submitted.path("runs").size() + " run(s) queued (phase 2 follows the grouping)");
        System.out.println("Watch it live in a browser: " + all.services.get(2).url() + "/?experiment=" + id + "\n");

        int code = ExperimentCommands.Status.follow(trainer, id);
        if (code != 0) {
            System.err.println("mmap demo: the experiment did not finish (see " + all.services.get(0).log + ")");
            return 1;
        }
        printGrouping(grouping, id);
        JsonNode results = awaitEvaluated(eval, id);
        System.out.println("\nResults (accuracy % on each domain's test split, mean ± std over seeds; params trained):\n");
        System.out.print(eval.getText("/results/" + id + "?format=md", "text/markdown"));
        long failed = 0;
        for (JsonNode c : results.path("checkpoints")) {
            if ("failed".equals(c.path("status").asText())) {
                failed++;
                System.err.println("  not evaluated: " + c.path("runId").asText() + " epoch " + c.path("epoch").asInt()
                        + ": " + c.path("error").asText());
            }
        }
        System.out.printf("%nThe same, any time the services run: %s/results/%s (?format=md|csv), runs at %s/experiments/%s%n",
                all.services.get(2).url(), id, all.services.get(0).url(), id);
        System.out.printf("Dashboard (curves, affinity heatmap, table, accuracy vs parameters, confusion matrices): "
                + "%s/?experiment=%s%s%n", all.services.get(2).url(), id, keep ? "" : " (serving only with --keep)");
        System.out.printf("Demo finished in %d s.%n", Duration.between(began, Instant.now()).toSeconds());
        return failed == 0 ? 0 : 1;
    }

    private static void printGrouping(ServiceClient grouping, String id) {
        JsonNode g = grouping.get("/groupings/" + id);
        JsonNode partition = g.path("partition").isMissingNode() ? g : g.path("partition");
        JsonNode tasks = partition.path("tasks");
        JsonNode affinity = partition.path("affinity");
        if (!tasks.isArray() || !affinity.isArray()) {
            return;
        }
        System.out.println("\nTask affinity (mean cosine of the phase-1 gradients):");
        System.out.printf("%12s", "");
        tasks.forEach(t -> System.out.printf("%10s", t.asText()));
        System.out.println();
        for (int i = 0; i < tasks.size(); i++) {
            System.out.printf("%12s", tasks.get(i).asText());
            for (JsonNode v : affinity.get(i)) {
                System.out.printf(Locale.ROOT, "%10.3f", v.asDouble());
            }
            System.out.println();
        }
        System.out.println("Groups: " + partition.path("groups") + "  (" + partition.path("objective").asText() + ", "
                + partition.path("solver").asText() + ")");
    }

    /** Waits until the eval service has a verdict on every checkpoint of the experiment. */
    private JsonNode awaitEvaluated(ServiceClient eval, String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        System.out.print("\nWaiting for the evaluations ...");
        while (true) {
            JsonNode r = null;
            try {
                r = eval.get("/results/" + id);
            } catch (ServiceClient.Failure notYet) {
                // no checkpoint has arrived yet
            }
            if (r != null) {
                boolean all = true;
                for (JsonNode c : r.path("checkpoints")) {
                    String s = c.path("status").asText();
                    all &= s.equals("done") || s.equals("failed");
                }
                if (all && r.path("checkpoints").size() > 0) {
                    System.out.println(" done.");
                    return r;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new ServiceClient.Failure("the evaluations did not finish within " + timeoutSeconds + " s");
            }
            Thread.sleep(1000);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }
}
