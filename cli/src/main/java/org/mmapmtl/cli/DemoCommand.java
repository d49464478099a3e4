package org.mmapmtl.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.mmapmtl.clip.Precision;
import org.mmapmtl.data.ShapeWorld;
import org.mmapmtl.eval.ResultsTable;
import org.mmapmtl.experiment.ExperimentSpec;
import org.mmapmtl.experiment.Variant;
import org.mmapmtl.io.Trees;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "demo", mixinStandardHelpOptions = true,
        header = "Runs the whole pipeline on this machine on generated data and prints the results table.",
        description = {"The whole pipeline on this machine: starts Kafka, PostgreSQL and the three services, generates",
                "the shape world's four task domains (styles the shipped tiny CLIP never saw in its pretraining),",
                "trains the baselines and MmAP with task grouping on them, prints the groups and the results table",
                "with what it shows, and stops everything."})
final class DemoCommand implements Callable<Integer> {
    static final List<String> TASKS = ShapeWorld.TASK_STYLES;
    /** Images per class and domain; a quarter of them train, the rest are the test split. */
    static final int PER_CLASS = 48;
    static final int PERCENT_TRAIN = 25;
    static final int IMAGE_SIZE = 48;
    /**
     * One rate for every method. With version 3 of the tiny CLIP, 0.01 over 3 epochs had the best mean over CoOp-MT,
     * VPT-MT, MaPLe-MT and MmAP-MT of 0.003, 0.005 and 0.01. Version 4's text tower lets text prompts move the class
     * features, and at 0.01 the runs of a few dozen steps swung by up to 20 points between seeds (MmAP's one-task
     * groups); 0.005 over 8 epochs (72 steps) gave every method a steadier run (docs/demo.md).
     */
    static final double LEARNING_RATE = 0.005;
    static final int EPOCHS = 8;
    /**
     * A prompt's first gradients here reach norms above 100, against a few later on: unclipped, at momentum 0.9, one
     * seed's run now and then never recovers on one task (a method's mean spread by up to 9 points over three seeds, a
     * task's by 21); clipped at 10, no seed did in six (docs/demo.md).
     */
    static final double MAX_GRAD_NORM = 10;
    /** CoOp's published {@code CTX_INIT} ("ctxv1"): its context starts as the zero-shot template's words. */
    static final String COOP_CONTEXT = "a photo of a";

    @Option(names = "--methods", split = ",", defaultValue = "zero-shot,coop-mt,vpt-mt,maple-mt,mmap,mmap-random,mmap-all-in-one",
            description = "methods to compare (default: ${DEFAULT-VALUE})")
    List<String> methods;

    @Option(names = "--seeds", split = ",", defaultValue = "1,2", description = "seeds (default: ${DEFAULT-VALUE})")
    List<Long> seeds;

    @Option(names = "--epochs", defaultValue = "" + EPOCHS, description = "training epochs per run (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--learning-rate", defaultValue = "" + LEARNING_RATE, paramLabel = "LR",
            description = "SGD's learning rate, the same for every method (default: ${DEFAULT-VALUE})")
    double learningRate;

    @Option(names = "--max-grad-norm", defaultValue = "" + MAX_GRAD_NORM, paramLabel = "N",
            description = "clip each update's gradient to this global norm; 0 clips nothing, as the paper's recipe "
                    + "(default: ${DEFAULT-VALUE})")
    double maxGradNorm;

    @Option(names = "--weights", defaultValue = "generated:tiny", paramLabel = "FILE|generated:tiny[-vN]",
            description = "the CLIP the methods adapt: a version of the tiny CLIP, or a .safetensors file of the "
                    + "same architecture family (default: ${DEFAULT-VALUE})")
    String weights;

    @Option(names = "--precision", defaultValue = "fp32", description = "fp32, or bf16: the tiny CLIP's block products in "
            + "bfloat16 (an NVIDIA GPU from Ampere on, or a CPU with AVX-512 BF16 or AMX) (default: ${DEFAULT-VALUE})")
    String precision;

    @Option(names = "--phase1-precision", paramLabel = "fp32|bf16", description = "phase 1's precision, which decides "
            + "the groups (the spec's grouping.precision; default: --precision)")
    String phase1Precision;

    @Option(names = "--no-auth", description = "let callers without a token do everything (a laptop only)")
    boolean noAuth;

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
        // before anything starts: a precision this machine cannot run, or a method nobody knows, is one line, not an
        // experiment refused after the whole stack came up
        Precision.parse(precision).requireSupported(Device.cpu());
        if (phase1Precision != null) {
            Precision phase1;
            try {
                phase1 = Precision.parse(phase1Precision);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--phase1-precision: " + e.getMessage(), e);
            }
            phase1.requireSupported(Device.cpu());
            phase1Precision = phase1.label();
        }
        for (String method : methods) {
            try {
                Variant.parse(method);
            } catch (IllegalArgumentException e) {
                System.err.println("mmap demo: --methods: unknown method '" + method + "': use one of "
                        + Variant.names());
                return 2;
            }
        }
        if (!(learningRate > 0) || learningRate > 10 || epochs < 1) {
            System.err.println("mmap demo: --learning-rate must be above 0 (and at most 10) and --epochs at least 1");
            return 2;
        }
        if (!(maxGradNorm >= 0) || maxGradNorm > 1e6) {
            System.err.println("mmap demo: --max-grad-norm must be 0 (no clipping) or a norm up to 1e6, got " + maxGradNorm);
            return 2;
        }
        String base = weights;
        if (ExperimentSpec.isGenerated(weights)) {
            if (!ExperimentSpec.RELEASED_TINY.contains(ExperimentSpec.versioned(weights))) {
                System.err.println("mmap demo: --weights " + weights + ": no such version; use generated:tiny or one of "
                        + ExperimentSpec.RELEASED_TINY);
                return 2;
            }
        } else {
            try {
                Path file = Path.of(weights).toAbsolutePath().normalize();
                if (!Files.isRegularFile(file)) {
                    System.err.println("mmap demo: --weights " + weights + ": no such file; give a CLIP .safetensors "
                            + "file or generated:tiny");
                    return 2;
                }
                base = file.toRealPath().toString(); // what the trainer will check, links resolved
            } catch (java.nio.file.InvalidPathException | java.io.IOException e) {
                System.err.println("mmap demo: --weights " + weights + ": " + e.getMessage());
                return 2;
            }
        }
        Instant began = Instant.now();
        Path state = stateDir.toAbsolutePath().normalize();
        Path data = state.resolve("data");
        if (fresh) {
            Trees.delete(data);
            Trees.delete(state.resolve("artifacts"));
        }
        try {
            String world = String.format(Locale.ROOT, "shape world: styles=%s classes=%d per-class=%d seed=1 size=%d",
                    TASKS, ShapeWorld.DEMO_CLASSES, PER_CLASS, IMAGE_SIZE);
            Path stamp = data.resolve(".world");
            if (!Files.isRegularFile(stamp) || !Files.readString(stamp).strip().equals(world)) {
                System.out.printf("Generating the demo's task domains %s (%d shapes × %d images each) in %s ...%n",
                        TASKS, ShapeWorld.DEMO_CLASSES, PER_CLASS, data);
                Trees.delete(data);
                ShapeWorld.writeTasks(data, TASKS, ShapeWorld.DEMO_CLASSES, PER_CLASS, 1, IMAGE_SIZE);
                Files.writeString(stamp, world + "\n");
            }
        } catch (RuntimeException | java.io.IOException e) {
            System.err.println("mmap demo: cannot make the demo dataset in " + data + ": " + e.getMessage());
            return 1;
        }
        Map<String, String> settings = new HashMap<>(noAuth ? LocalServices.NO_AUTH : Map.of());
        if (!ExperimentSpec.isGenerated(weights)) {
            // the file named on the command line may be read by the services wherever it lies, and nothing beside it
            settings.put("MMAP_DATA_ROOTS", System.getenv().getOrDefault("MMAP_DATA_ROOTS",
                    home.toAbsolutePath().normalize().resolve("data") + "," + state) + "," + base);
        }
        LocalServices all;
        try {
            all = LocalServices.start(home, state, new LocalServices.Ports(ports.get(0), ports.get(1), ports.get(2),
                    ports.get(3), ports.get(4)), fresh, 180, settings);
        } catch (RuntimeException e) {
            System.err.println("mmap demo: " + e.getMessage());
            return 1;
        }
        Thread hook = new Thread(all::close, "mmap-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            int code = run(all, data, base, began);
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

    private int run(LocalServices all, Path data, String base, Instant began) throws InterruptedException {
        ServiceClient trainer = all.client(all.services.get(0), "the demo's trainer");
        ServiceClient grouping = all.client(all.services.get(1), "the demo's grouping service");
        ServiceClient eval = all.client(all.services.get(2), "the demo's eval service");
        String id = "demo-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
        ObjectNode spec = ServiceClient.JSON.createObjectNode();
        spec.put("id", id);
        ObjectNode dataset = spec.putObject("dataset");
        dataset.put("kind", "folder").put("root", data.toString()).put("percent", PERCENT_TRAIN);
        TASKS.forEach(dataset.putArray("tasks")::add);
        spec.put("weights", base);
        methods.forEach(spec.putArray("methods")::add);
        seeds.forEach(spec.putArray("seeds")::add);
        // a tiny world learns in a few dozen steps: no warm-up epoch, no augmentation of the 48-pixel images, a
        // learning rate for that many steps (the same for every method), the first steps' long gradients clipped;
        // real experiments keep the paper's recipe
        ObjectNode recipe = spec.putObject("recipe").put("epochs", epochs).put("batchSize", 8)
                .put("learningRate", learningRate).put("warmupEpochs", 0).put("augment", false).put("precision", precision);
        if (maxGradNorm > 0) {
            recipe.put("maxGradNorm", maxGradNorm);
        }
        // from a random start CoOp's context spends the few dozen steps a run has here undoing its noise (it ends
        // below zero-shot); from the template's words, as CoOp's ctxv1 configuration, it starts where zero-shot is
        spec.putObject("prompt").put("contextInit", COOP_CONTEXT);
        ObjectNode groupingSection = spec.putObject("grouping").put("snapshots", 2).put("objective", "mean-centred");
        if (phase1Precision != null) {
            groupingSection.put("precision", phase1Precision);
        }
        JsonNode submitted = trainer.post("/experiments", spec.toString().getBytes(StandardCharsets.UTF_8), "application/json");
        System.out.println("\nExperiment " + id + ": " + methods + " on " + TASKS + ", seeds " + seeds + ", "
                + submitted.path("runs").size() + " run(s) queued; phase 2, at most "
                + submitted.path("runsAfterGrouping").asInt() + " run(s), once the groups are chosen");
        System.out.println("Watch it live in a browser: " + all.dashboardUrl("/?experiment=" + id) + "\n");

        int code = ExperimentCommands.Status.follow(trainer, id);
        if (code != 0) {
            System.err.println("mmap demo: the experiment did not finish (see " + all.services.get(0).log + ")");
            return 1;
        }
        if (submitted.path("runsAfterGrouping").asInt() > 0) {
            printGrouping(grouping, id);
        }
        JsonNode results = awaitEvaluated(eval, id);
        printLosses(trainer.get("/experiments/" + id), eval.get("/experiments/" + id + "/progress"));
        System.out.println("\nResults (accuracy % on each domain's test split, mean ± std over seeds; params trained):\n");
        System.out.print(eval.getText("/results/" + id + "?format=md", "text/markdown"));
        double chance = 1.0 / ShapeWorld.DEMO_CLASSES;
        System.out.printf(Locale.ROOT, "Chance: %.2f %% (%d shapes per task); tasks are styles the tiny CLIP never saw "
                + "in its pretraining.%n%n", 100 * chance, ShapeWorld.DEMO_CLASSES);
        verdict(results.path("rows"), chance).forEach(System.out::println);
        long failed = results.path("checkpointStatus").path("failed").asLong();
        // the checkpoints come a page at a time; only an experiment with failed evaluations needs them
        for (int offset = 0; failed > 0 && offset < results.path("checkpointsTotal").asLong(); offset += 500) {
            for (JsonNode c : eval.get("/results/" + id + "?limit=500&offset=" + offset).path("checkpoints")) {
                if ("failed".equals(c.path("status").asText())) {
                    System.err.println("  not evaluated: " + c.path("runId").asText() + " epoch " + c.path("epoch").asInt()
                            + ": " + c.path("error").asText());
                }
            }
        }
        System.out.printf("%nThe same, any time the services run: %s/results/%s (?format=md|csv), runs at %s/experiments/%s%n",
                all.services.get(2).url(), id, all.services.get(0).url(), id);
        System.out.printf("Dashboard (curves, affinity heatmap, table, accuracy vs parameters, confusion matrices): "
                + "%s%s%n", all.dashboardUrl("/?experiment=" + id), keep ? "" : " (serving only with --keep)");
        System.out.printf("Demo finished in %d s.%n", Duration.between(began, Instant.now()).toSeconds());
        return failed == 0 ? 0 : 1;
    }

    /** A trained method this close above zero-shot is said to have barely adapted. */
    static final double SMALL_GAIN_POINTS = 5;

    /**
     * Two or three plain sentences on what the table shows, whichever method wins, and what it cannot show.
     *
     * @param rows the results' rows (method, mean.mean in [0, 1], trainableParams)
     */
    static List<String> verdict(JsonNode rows, double chance) {
        Map<String, Double> mean = new LinkedHashMap<>();
        Map<String, Long> params = new LinkedHashMap<>();
        Map<String, Double> spread = new LinkedHashMap<>();
        for (JsonNode r : rows) {
            if (r.path("complete").asBoolean(true) && r.path("mean").path("mean").isNumber()) {
                mean.put(r.path("method").asText(), r.path("mean").path("mean").asDouble());
                params.put(r.path("method").asText(), r.path("trainableParams").asLong());
                spread.put(r.path("method").asText(), r.path("mean").path("std").asDouble(0));
            }
        }
        List<String> out = new ArrayList<>();
        Double zeroShot = mean.get("zero-shot");
        Map<String, Double> trained = new LinkedHashMap<>(mean);
        trained.remove("zero-shot");
        if (zeroShot != null) {
            out.add(String.format(Locale.ROOT, "Zero-shot, the pretrained tiny CLIP with \"a photo of a {shape}.\", scores "
                    + "%.1f %% against a chance of %.1f %%: %s", 100 * zeroShot, 100 * chance, zeroShot >= 2 * chance
                    ? "what it learned on other styles carries over, far from perfectly."
                    : "little of what it learned on other styles carries over."));
        }
        if (!trained.isEmpty()) {
            String best = trained.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
            String worst = trained.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
            StringBuilder b = new StringBuilder();
            if (zeroShot != null) {
                List<String> below = trained.entrySet().stream().filter(e -> e.getValue() <= zeroShot)
                        .map(Map.Entry::getKey).toList();
                if (trained.size() == 1) {
                    b.append(String.format(Locale.ROOT, "%s (%.1f %%, %s parameters) %s it. ", best,
                            100 * trained.get(best), ResultsTable.params(params.get(best)),
                            below.isEmpty() ? "beats" : "does not beat"));
                } else {
                    b.append(below.isEmpty() ? "Every trained method beats it" : "Not every trained method beats it ("
                            + String.join(", ", below) + " do" + (below.size() == 1 ? "es" : "") + " not)");
                    b.append(String.format(Locale.ROOT, ", from %s (%.1f %%) to %s (%.1f %%, %s parameters). ", worst,
                            100 * trained.get(worst), best, 100 * trained.get(best),
                            ResultsTable.params(params.get(best))));
                }
                // a gain of a few points is not adaptation, whatever the ranking says
                trained.forEach((method, m) -> {
                    double gain = 100 * (m - zeroShot);
                    if (gain > 0 && gain < SMALL_GAIN_POINTS) {
                        b.append(String.format(Locale.ROOT, "%s gains only %.1f points over zero-shot%s. ", method, gain,
                                method.startsWith("coop") ? ": a context shared by every class barely re-ranks them "
                                        + "for styles this tiny text tower never saw (docs/demo.md)" : ""));
                    }
                });
            } else {
                b.append(String.format(Locale.ROOT, "The best method is %s (%.1f %%). ", best, 100 * trained.get(best)));
            }
            Double mmap = trained.get("mmap");
            if (mmap != null && !best.equals("mmap")) {
                b.append(String.format(Locale.ROOT, "MmAP reaches %.1f %% with %s parameters, %.1f points below the best. ",
                        100 * mmap, ResultsTable.params(params.get("mmap")),
                        100 * (trained.get(best) - mmap)));
            }
            Double random = trained.get("mmap-random");
            if (mmap != null && random != null) {
                // a difference within the seeds' spread is no difference
                double noise = Math.max(spread.getOrDefault("mmap", 0.0), spread.getOrDefault("mmap-random", 0.0));
                String verdict = Math.abs(mmap - random) <= noise ? "are within the seeds' spread of random ones"
                        : mmap > random ? "beat random ones" : "lose to random ones";
                b.append(String.format(Locale.ROOT, "Decided groups %s (%.1f %% against %.1f %%).", verdict,
                        100 * mmap, 100 * random));
            }
            out.add(b.toString().strip());
        }
        out.add("This is a toy world (generated shapes, a CLIP of a few million parameters, few seeds, a few dozen "
                + "steps a run): it shows what the methods do here, not the paper's numbers on Office-Home or DomainNet.");
        return out;
    }

    /**
     * Each run's training loss, where it started against where it ended, beside a uniform guess's (ln C per task,
     * summed over the tasks the run's steps sum): a run that ends at or above it learned nothing, and says so. One
     * batch's loss is noisy, so the ends are epoch means: the first epoch's against the last's, or, in a run of one
     * epoch, the first step's against the epoch's.
     */
    static void printLosses(JsonNode experiment, JsonNode progress) {
        Map<String, Integer> tasks = new LinkedHashMap<>();
        for (JsonNode r : experiment.path("runs")) {
            tasks.put(r.path("runId").asText(), r.path("tasks").size());
        }
        double perTask = Math.log(ShapeWorld.DEMO_CLASSES);
        System.out.printf(Locale.ROOT, "%nTraining loss of each run, mean of the first epoch -> of the last (a uniform "
                + "guess: ln %d = %.2f per task, summed over the run's tasks):%n", ShapeWorld.DEMO_CLASSES, perTask);
        for (JsonNode curve : progress.path("curves")) {
            JsonNode points = curve.path("points");
            String run = curve.path("runId").asText();
            if (points.size() < 2 || !tasks.containsKey(run)) {
                continue;
            }
            JsonNode end = points.get(points.size() - 1);
            int firstEpoch = points.get(0).path("epoch").asInt();
            JsonNode firstEpochEnd = points.get(0);
            for (JsonNode p : points) {
                if (p.path("epoch").asInt() == firstEpoch) {
                    firstEpochEnd = p;
                }
            }
            boolean oneEpoch = end.path("epoch").asInt() == firstEpoch;
            double first = oneEpoch ? points.get(0).path("loss").asDouble() : epochMean(firstEpochEnd);
            double last = epochMean(end);
            int n = tasks.get(run);
            double uniform = n * perTask;
            String verdict = last < first && last < uniform ? "" : "   <- did not learn";
            System.out.printf(Locale.ROOT, "  %-32s %d task%s  %7.3f -> %7.3f   (uniform %.2f)%s%s%n", run, n,
                    n == 1 ? " " : "s", first, last, uniform, oneEpoch ? "   (one epoch: first step -> its mean)" : "",
                    verdict);
        }
    }

    /** The epoch's mean loss up to the point, or the point's own where the trainer did not send it. */
    private static double epochMean(JsonNode point) {
        return point.path("epochLoss").isNumber() ? point.path("epochLoss").asDouble() : point.path("loss").asDouble();
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
                JsonNode status = r.path("checkpointStatus");
                boolean all = status.path("pending").asLong() == 0 && status.path("evaluating").asLong() == 0;
                if (all && r.path("checkpointsTotal").asLong() > 0) {
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
}
