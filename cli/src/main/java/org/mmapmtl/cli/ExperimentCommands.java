package org.mmapmtl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** The CLI around experiments: submit, status, results, cancel, against running services (./mmap up by default). */
final class ExperimentCommands {
    private ExperimentCommands() {
    }

    static class TrainerUrl {
        @Option(names = "--trainer-url", defaultValue = "${env:MMAP_TRAINER_URL:-http://localhost:8081}",
                description = "the trainer service (default: ${DEFAULT-VALUE}; env MMAP_TRAINER_URL)")
        String url;

        ServiceClient client() {
            return new ServiceClient(url, "a running trainer with --trainer-url");
        }
    }

    /** Runs a command body, turning service failures into one message and the exit code of their kind. */
    static int guarded(Callable<Integer> body) throws Exception {
        try {
            return body.call();
        } catch (ServiceClient.Failure e) {
            System.err.println("mmap: " + e.getMessage());
            debug(e);
            return e.exitCode;
        } catch (RuntimeException e) {
            System.err.println("mmap: " + e.getMessage() + " (" + e.getClass().getSimpleName() + ")");
            debug(e);
            return ExitCodes.FAILED;
        }
    }

    /** With {@code MMAP_DEBUG} set, the stack trace under the one-line message, as for every other command. */
    private static void debug(Throwable e) {
        if (System.getenv("MMAP_DEBUG") != null) {
            e.printStackTrace(System.err);
        }
    }

    @Command(name = "submit", mixinStandardHelpOptions = true,
            description = "Submits an experiment spec (JSON or YAML) to the trainer and prints its id.")
    static final class Submit implements Callable<Integer> {
        @Parameters(paramLabel = "SPEC", description = "the spec file: .json, .yaml or .yml")
        Path spec;

        @Option(names = "--follow", description = "then follow its progress until it ends")
        boolean follow;

        @picocli.CommandLine.Mixin
        TrainerUrl trainer = new TrainerUrl();

        @Override
        public Integer call() throws Exception {
            return guarded(() -> {
                byte[] body;
                try {
                    body = Files.readAllBytes(spec);
                } catch (NoSuchFileException e) {
                    throw new ServiceClient.Failure("no spec file " + spec + " (examples: examples/*.yaml)", ExitCodes.NOT_FOUND);
                } catch (IOException e) {
                    throw new ServiceClient.Failure("cannot read " + spec + ": " + e.getMessage(), ExitCodes.USAGE);
                }
                String name = spec.getFileName().toString().toLowerCase(Locale.ROOT);
                String type = name.endsWith(".yaml") || name.endsWith(".yml") ? "application/yaml" : "application/json";
                JsonNode e = trainer.client().post("/experiments", body, type);
                String id = e.path("id").asText();
                int later = e.path("runsAfterGrouping").asInt(0);
                java.util.Set<String> imported = new java.util.LinkedHashSet<>();
                e.path("runs").forEach(r -> {
                    if ("imported".equals(r.path("stage").asText())) {
                        imported.add(r.path("variant").asText());
                    }
                });
                System.out.println("submitted " + id + ": " + e.path("runs").size() + " run(s) queued for "
                        + e.path("methods") + (imported.isEmpty() ? "" : " and imported " + imported) + " on "
                        + e.path("tasks") + (later == 0 ? "" : "; the grouped methods' "
                        + "runs (at most " + later + ", one per group and seed) are planned once phase 1 has chosen the groups"));
                if (!follow) {
                    System.out.println("follow it with: ./mmap status " + id + " --follow");
                    return 0;
                }
                return Status.follow(trainer.client(), id);
            });
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"Shows an experiment's phase and runs (or, without ID, every experiment).",
                    "With --follow, prints its progress as it happens until it ends."})
    static final class Status implements Callable<Integer> {
        /** experiments asked for per request: the services' default page, within any sane maximum */
        static final int PAGE = 50;

        @Parameters(paramLabel = "ID", arity = "0..1", description = "the experiment id")
        String id;

        @Option(names = "--follow", description = "print progress until the experiment ends")
        boolean follow;

        @picocli.CommandLine.Mixin
        TrainerUrl trainer = new TrainerUrl();

        @Override
        public Integer call() throws Exception {
            return guarded(() -> {
                ServiceClient client = trainer.client();
                if (id == null) {
                    // the trainer answers a page at a time (newest first); list them all, and stop on a page that
                    // brings nothing new (a trainer that ignores paging answers the same list again)
                    Set<String> seen = new HashSet<>();
                    int listed = 0;
                    while (true) {
                        JsonNode page = client.get("/experiments?limit=" + PAGE + "&offset=" + listed);
                        int before = listed;
                        for (JsonNode e : page) {
                            if (seen.add(e.path("id").asText())) {
                                System.out.printf("%-40s %-18s %d/%d runs done%n", e.path("id").asText(),
                                        e.path("phase").asText(), e.path("runsDone").asLong(), e.path("runs").asLong());
                                listed++;
                            }
                        }
                        if (page.size() < PAGE || listed == before) {
                            break;
                        }
                    }
                    if (listed == 0) {
                        System.out.println("no experiments yet; submit one with ./mmap submit SPEC");
                    }
                    return 0;
                }
                if (follow) {
                    return follow(client, id);
                }
                print(client.get("/experiments/" + id));
                return 0;
            });
        }

        /** Follows the experiment to its end: a bar per run redrawn in place on a terminal, plain lines otherwise. */
        static int follow(ServiceClient client, String id) {
            Map<String, Long> lastStepLine = new HashMap<>();
            ProgressBoard board = ProgressBoard.terminal() ? new ProgressBoard() : null;
            client.events("/experiments/" + id + "/events", data -> {
                Progress p = EventCodecs.PROGRESS.decode(data.getBytes(StandardCharsets.UTF_8));
                if (board != null) {
                    board.add(p);
                    board.draw(System.out, p.loss() == null);
                    return;
                }
                String run = p.runId() == null ? "experiment" : p.runId().substring(p.runId().indexOf('.') + 1);
                if (p.loss() != null) {
                    long now = System.nanoTime();
                    Long last = lastStepLine.get(run);
                    if (last != null && now - last < 2_000_000_000L && p.step() < p.totalSteps()) {
                        return; // a line per run every two seconds is enough to read
                    }
                    lastStepLine.put(run, now);
                    System.out.printf(Locale.ROOT, "%-28s epoch %d/%d  step %d/%d  %s%s  %.1f img/s  ETA %s%n", run,
                            p.epoch(), p.epochs(), p.step(), p.totalSteps(), ProgressBoard.loss(p.loss(), p.uniformLoss()),
                            ProgressBoard.gradient(p.gradNorm(), p.gradClipped(), p.epochClippedShare()),
                            p.imagesPerSecond() == null ? 0 : p.imagesPerSecond(), eta(p.etaMillis()));
                } else {
                    System.out.printf("%-28s %-10s %s%n", run, p.state(), p.message() == null ? "" : p.message());
                }
            });
            if (board != null) {
                board.draw(System.out, true);
                System.out.println();
            }
            JsonNode e = client.get("/experiments/" + id);
            print(e);
            return "DONE".equals(e.path("phase").asText()) ? 0 : 1;
        }

        static void print(JsonNode e) {
            System.out.println(e.path("id").asText() + ": " + e.path("phase").asText()
                    + (e.path("cancelRequested").asBoolean() ? " (cancel requested)" : ""));
            if (!e.path("partition").isMissingNode() && !e.path("partition").isNull()) {
                System.out.println("  groups: " + e.path("partition").path("groups") + " (" + e.path("partition").path("solver").asText() + ")");
            }
            for (JsonNode r : e.path("runs")) {
                System.out.printf(Locale.ROOT, "  %-36s %-9s epoch %d/%d  step %d/%d  loss %s  %s img/s  ETA %s%s%n",
                        r.path("runId").asText(), r.path("state").asText(), r.path("epoch").asInt(), r.path("epochs").asInt(),
                        r.path("step").asLong(), r.path("totalSteps").asLong(),
                        r.path("loss").isNumber() ? String.format(Locale.ROOT, "%.4f", r.path("loss").asDouble()) : "-",
                        r.path("imagesPerSecond").isNumber() ? String.format(Locale.ROOT, "%.1f", r.path("imagesPerSecond").asDouble()) : "-",
                        eta(r.path("etaMillis").isNumber() ? r.path("etaMillis").asLong() : null),
                        r.path("error").isTextual() ? "  " + r.path("error").asText() : "");
            }
        }

        static String eta(Long millis) {
            if (millis == null) {
                return "-";
            }
            long s = millis / 1000;
            return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : String.format("%dm%02ds", s / 60, s % 60);
        }
    }

    @Command(name = "results", mixinStandardHelpOptions = true,
            description = "Prints an experiment's results table from the eval service (methods × tasks, mean ± std, params).")
    static final class Results implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "the experiment id")
        String id;

        @Option(names = "--format", defaultValue = "md", description = "md, csv or json (default: ${DEFAULT-VALUE})")
        String format;

        @Option(names = "--eval-url", defaultValue = "${env:MMAP_EVAL_URL:-http://localhost:8083}",
                description = "the eval service (default: ${DEFAULT-VALUE}; env MMAP_EVAL_URL)")
        String url;

        @Override
        public Integer call() throws Exception {
            return guarded(() -> {
                String f = format.trim().toLowerCase(Locale.ROOT);
                if (!f.equals("md") && !f.equals("csv") && !f.equals("json")) {
                    throw new ServiceClient.Failure("--format " + format + ": use md, csv or json", ExitCodes.USAGE);
                }
                System.out.print(new ServiceClient(url, "a running eval service with --eval-url")
                        .getText("/results/" + id + "?format=" + f, "*/*"));
                if (f.equals("json")) {
                    System.out.println();
                }
                return 0;
            });
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "Cancels an experiment: queued runs never start, running ones write a checkpoint and stop.")
    static final class Cancel implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "the experiment id")
        String id;

        @picocli.CommandLine.Mixin
        TrainerUrl trainer = new TrainerUrl();

        @Override
        public Integer call() throws Exception {
            return guarded(() -> {
                JsonNode e = trainer.client().delete("/experiments/" + id);
                System.out.println(id + ": cancel requested (phase " + e.path("phase").asText() + ")");
                return 0;
            });
        }
    }
}
