package org.mmapmtl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.mmapmtl.data.ShapeWorld;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.EventTopic;
import org.mmapmtl.events.Progress;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the pipeline holds under a lab's load, on the local stack with the real services. The read side (many
 * experiments, many dashboard viewers): the trainer accepts experiments without training them and the evaluator does
 * not score (both turned off), while this harness plays the trainers: it submits experiments over REST and publishes
 * their progress reports and checkpoints on the real topics; at each level of open dashboard streams it measures the
 * latency of the answers a lab's users ask for most, the database's transactions per second and what the streams
 * received, live reports arriving meanwhile. The write side ({@code trainers} given): real experiments trained by
 * several trainers and scored by several evaluators, with dashboard streams open and the same answers timed while
 * they train; it reports throughput, the pipeline's own latencies and whether anything was lost.
 */
final class PipelineBench {
    /**
     * @param trainers   trainer instances of each throughput level; empty: measure the read side instead
     * @param evaluators eval service instances of each throughput level
     * @param streams    open dashboard streams of each level (of the read side, or of each throughput level)
     */
    record Settings(Path home, Path state, LocalServices.Ports ports, int experiments, int runs, int steps, int epochs,
                    List<Integer> streams, int requests, int liveRate, List<Integer> trainers, List<Integer> evaluators,
                    Path out) {
    }

    /**
     * One throughput level: {@code experiments} real experiments trained by {@code trainers} instances and scored by
     * {@code evaluators}, with {@code streamsOpen} dashboard streams and {@code followersOpen} trainer progress streams
     * ({@code ./mmap status --follow}) open on them.
     *
     * @param partitionLatency from an experiment's last gradient snapshot to its partition (Kafka record times), ms
     * @param evaluationLatency from a checkpoint's arrival at the eval service to its score, ms
     * @param deadLetters      records in the pipeline's dead-letter topics at the end (nothing lost: 0)
     * @param evaluationsPerCheckpoint evaluation records on mmap.evaluations per checkpoint (exactly once: 1.0)
     * @param followerReports  progress events the followers received, together
     * @param followerReportsLogged the reports of the followed experiments in the trainer's log, once per follower
     * @param followersInexact followers whose events were not exactly their experiment's reports in the log, in order
     *                         (nothing lost, sent twice or out of order: 0)
     * @param requests         the answers of {@link #REQUESTS} timed while the experiments trained
     */
    record Throughput(int trainers, int evaluators, int streamsOpen, int streamsRefused, long changeEvents,
                      int followersOpen, int followersRefused, long followerReports, long followerReportsLogged,
                      int followersInexact, int experiments, int runs, int checkpoints, double seconds, double experimentsPerHour,
                      Latency partitionLatency, Latency evaluationLatency, long deadLetters,
                      double evaluationsPerCheckpoint, int failedExperiments, List<Latency> requests) {
    }

    /** Latency percentiles of one kind of request, in milliseconds. */
    record Latency(String request, int count, double p50, double p99, double max, int errors) {
    }

    /**
     * @param dbTransactionsPerSecondIdle the database's commits a second over 5 s with the streams open and live
     *                                    reports arriving, before any request
     * @param dbTransactionsPerSecond     the same while the requests are measured
     * @param evalLag                     records the eval service's intakes had not consumed when the requests ended
     */
    record Level(int streamsAsked, int streamsOpen, int streamsRefused, long changeEvents,
                 double dbTransactionsPerSecondIdle, double dbTransactionsPerSecond, long evalLag, List<Latency> latencies) {
    }

    private static final String COMMITS = "select xact_commit from pg_stat_database where datname = current_database()";

    private final Settings settings;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    /** The token of the services started last (the CLI's, an admin's): every request sends it, as a client must. */
    private String token;

    private HttpRequest.Builder request(String url) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url));
        return token == null ? builder : builder.header("Authorization", "Bearer " + token);
    }
    private final Random random = new Random(1);

    PipelineBench(Settings settings) {
        this.settings = settings;
    }

    int run() throws Exception {
        if (!settings.trainers().isEmpty()) {
            return throughput();
        }
        Path data = settings.state().resolve("data");
        if (!Files.isDirectory(data)) {
            ShapeWorld.writeTasks(data, ShapeWorld.TASK_STYLES, ShapeWorld.DEMO_CLASSES, 8, 1, 32);
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MMAP_TRAINER_ENABLED", "false"); // accepts and serves; this harness plays the trainers
        env.put("MMAP_EVAL_ENABLED", "false");    // its checkpoints are announcements of files that do not exist
        Instant began = Instant.now();
        try (LocalServices all = LocalServices.start(settings.home(), settings.state(), settings.ports(), true, 240, env);
             KafkaProducer<String, byte[]> kafka = producer(all.stack.kafkaAdminSettings());
             Admin admin = Admin.create(all.stack.kafkaAdminSettings());
             Connection db = DriverManager.getConnection(all.stack.jdbcUrl(), all.stack.databaseUser(),
                     all.stack.databasePassword())) {
            token = all.token;
            String trainer = all.services.get(0).url();
            String eval = all.services.get(2).url();

            System.out.printf("%nSubmitting %d experiments and publishing their records (%d runs × %d steps, %d epochs each) ...%n",
                    settings.experiments(), settings.runs(), settings.steps(), settings.epochs());
            List<String> ids = new ArrayList<>();
            List<Double> submits = new ArrayList<>();
            int submitErrors = 0;
            for (int e = 0; e < settings.experiments(); e++) {
                String id = String.format(Locale.ROOT, "load-%03d", e);
                long t = System.nanoTime();
                HttpResponse<String> r = post(trainer + "/experiments", plannedSpec(id, data));
                submits.add((System.nanoTime() - t) / 1e6);
                if (r.statusCode() / 100 != 2) {
                    submitErrors++;
                    if (submitErrors == 1) {
                        System.err.println("  POST /experiments answered " + r.statusCode() + ": " + r.body());
                    }
                }
                ids.add(id);
                publishExperiment(kafka, id);
            }
            kafka.flush();
            long reports = (long) settings.experiments() * settings.runs() * (settings.steps() + 2);
            long checkpoints = (long) settings.experiments() * settings.runs() * settings.epochs();
            long seeded = awaitIngested(eval, admin, ids.get(ids.size() - 1), settings.runs() * settings.epochs(),
                    settings.experiments());
            System.out.printf("  %d progress reports and %d checkpoints published; the eval service had them all %d s after the start%n",
                    reports, checkpoints, seeded);
            // one unmeasured round of every request, so that the first level does not pay for the services' warm-up
            warmUp(ids, trainer, eval);
            Latency submit = latency("POST trainer /experiments", submits, submitErrors);

            List<Level> levels = new ArrayList<>();
            for (int level : settings.streams()) {
                levels.add(measure(level, ids, trainer, eval, kafka, db, admin));
            }
            long dbBytes = scalar(db, "select pg_database_size(current_database())");
            print(submit, levels, dbBytes);
            write(submit, levels, dbBytes, began);
        }
        return 0;
    }

    private int throughput() throws Exception {
        Path data = settings.state().resolve("data-trained"); // the demo's world and size
        if (!Files.isDirectory(data)) {
            ShapeWorld.writeTasks(data, ShapeWorld.TASK_STYLES, ShapeWorld.DEMO_CLASSES, 48, 1, 48);
        }
        List<Throughput> levels = new ArrayList<>();
        for (int trainers : settings.trainers()) {
            for (int evaluators : settings.evaluators()) {
                for (int streams : settings.streams()) {
                    levels.add(throughput(data, trainers, evaluators, streams));
                }
            }
        }
        System.out.printf("%nThroughput (%d experiments of coop-mt and mmap each, tiny CLIP, one epoch, %d cores):%n%n",
                settings.experiments(), Runtime.getRuntime().availableProcessors());
        System.out.println("| trainers | evaluators | dashboard streams open / refused | progress followers open / refused "
                + "| reports to followers / in the log "
                + "| wall time | experiments/hour | last snapshot -> partition p50 / p99 "
                + "| checkpoint -> evaluation p50 / p99 | dead letters | evaluations per checkpoint |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        for (Throughput t : levels) {
            System.out.printf(Locale.ROOT, "| %d | %d | %d / %d | %d / %d | %d / %d | %.0f s | %.1f | %.0f / %.0f ms | %.0f / %.0f ms | %d | %.2f |%n",
                    t.trainers(), t.evaluators(), t.streamsOpen(), t.streamsRefused(), t.followersOpen(),
                    t.followersRefused(), t.followerReports(), t.followerReportsLogged(), t.seconds(),
                    t.experimentsPerHour(), t.partitionLatency().p50(), t.partitionLatency().p99(),
                    t.evaluationLatency().p50(), t.evaluationLatency().p99(), t.deadLetters(), t.evaluationsPerCheckpoint());
        }
        System.out.printf("%nAnswers while the experiments trained (p50 / p99 ms; one client, one request after another):%n%n");
        StringBuilder header = new StringBuilder("| request |");
        StringBuilder rule = new StringBuilder("|---|");
        for (Throughput t : levels) {
            header.append(String.format(Locale.ROOT, " %dT %dE %d streams |", t.trainers(), t.evaluators(),
                    t.streamsOpen()));
            rule.append("---|");
        }
        System.out.println(header);
        System.out.println(rule);
        for (int i = 0; i < REQUESTS.size(); i++) {
            StringBuilder row = new StringBuilder("| " + REQUESTS.get(i) + " |");
            for (Throughput t : levels) {
                Latency x = t.requests().get(i);
                row.append(String.format(Locale.ROOT, " %.1f / %.1f%s |", x.p50(), x.p99(),
                        x.errors() == 0 ? "" : " (" + x.errors() + " errors)"));
            }
            System.out.println(row);
        }
        ObjectNode json = ServiceClient.JSON.createObjectNode();
        json.put("benchmark", "pipeline-throughput");
        json.put("home", settings.home().toString());
        json.put("cpus", Runtime.getRuntime().availableProcessors());
        json.set("levels", ServiceClient.JSON.valueToTree(levels));
        Files.createDirectories(settings.out().toAbsolutePath().getParent());
        Files.writeString(settings.out(), ServiceClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json),
                StandardCharsets.UTF_8);
        System.out.println("Written: " + settings.out());
        boolean lost = levels.stream().anyMatch(t -> t.failedExperiments() != 0 || t.deadLetters() != 0
                || t.streamsRefused() != 0 || t.followersRefused() != 0 || t.followersInexact() != 0
                || Math.abs(t.evaluationsPerCheckpoint() - 1) > 1e-9 || t.requests().stream().anyMatch(l -> l.errors() != 0));
        return lost ? 1 : 0;
    }

    /**
     * One level on a fresh stack: submits the experiments, opens the dashboard streams on them and, while they train,
     * times the answers the dashboard and a user's polls ask for; then counts what arrived.
     */
    private Throughput throughput(Path data, int trainers, int evaluators, int streams) throws Exception {
        System.out.printf("%nThroughput: %d experiment(s) with %d trainer(s), %d evaluator(s), %d dashboard stream(s) ...%n",
                settings.experiments(), trainers, evaluators, streams);
        try (LocalServices all = LocalServices.start(settings.home(), settings.state(), settings.ports(), true, 240,
                Map.of(), trainers, evaluators);
             Admin admin = Admin.create(all.stack.kafkaAdminSettings());
             Connection db = DriverManager.getConnection(all.stack.jdbcUrl(), all.stack.databaseUser(),
                     all.stack.databasePassword())) {
            token = all.token;
            String trainer = all.services.get(0).url();
            String eval = all.services.get(2).url();
            List<String> ids = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int e = 0; e < settings.experiments(); e++) {
                String id = String.format(Locale.ROOT, "work-%d-%d-%d-%02d", trainers, evaluators, streams, e);
                HttpResponse<String> r = post(trainer + "/experiments", trainedSpec(id, data));
                if (r.statusCode() / 100 != 2) {
                    throw new IllegalStateException("POST /experiments answered " + r.statusCode() + ": " + r.body());
                }
                ids.add(id);
            }
            AtomicLong events = new AtomicLong();
            // the dashboard opens its stream on a page that shows the experiment, so once the eval service knows it
            awaitKnown(eval, ids.size());
            List<CompletableFuture<HttpResponse<Void>>> open = openStreams(streams, ids, eval, events);
            // as many followers of the trainer's progress streams (./mmap status --follow), each told of every report
            List<Follower> followers = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                followers.add(follow(trainer, ids.get(i % ids.size())));
            }
            AtomicBoolean training = new AtomicBoolean(true);
            List<List<Double>> answers = new ArrayList<>();
            int[] errors = new int[REQUESTS.size()];
            // a dashboard user's clicks while it trains: every kind of answer in turn, a tenth of a second apart
            for (int i = 0; i < REQUESTS.size(); i++) {
                answers.add(java.util.Collections.synchronizedList(new ArrayList<>()));
            }
            Thread poller = new Thread(() -> pollWhile(training, ids, trainer, eval, answers, errors), "answers");
            poller.setDaemon(true);
            poller.start();
            int failed;
            double seconds;
            int refused;
            int followersRefused;
            try {
                failed = awaitDone(trainer, eval, ids);
                seconds = (System.nanoTime() - t0) / 1e9;
                training.set(false);
                poller.join();
                // a follower's stream ends by itself a moment after its experiment ended and every report was sent
                try {
                    CompletableFuture.allOf(followers.stream().map(Follower::response).toArray(CompletableFuture[]::new))
                            .get(60, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                    // counted below: a follower not ended, or broken, is a finding
                }
                refused = refused(open);
                followersRefused = refused(followers.stream().map(Follower::response).toList())
                        + (int) followers.stream().filter(f -> !f.response().isDone()).count();
            } finally {
                training.set(false);
                open.forEach(f -> f.cancel(true));
                followers.forEach(f -> f.response().cancel(true));
            }
            List<Latency> requests = new ArrayList<>();
            for (int i = 0; i < answers.size(); i++) {
                requests.add(latency(REQUESTS.get(i), answers.get(i), errors[i]));
            }
            List<Double> evaluation = new ArrayList<>();
            try (Statement st = db.createStatement(); ResultSet r = st.executeQuery("select extract(epoch from "
                    + "evaluated_at - received_at) * 1000 from eval.received_checkpoint where evaluated_at is not null")) {
                while (r.next()) {
                    evaluation.add(r.getDouble(1));
                }
            }
            // what each follower should have received: every report of the experiment it follows, once, in order
            Map<String, List<Long>> logged = new LinkedHashMap<>();
            for (String id : ids) {
                List<Long> numbers = new ArrayList<>();
                try (var st = db.prepareStatement("select id from trainer.progress_log where experiment_id = ? order by id")) {
                    st.setString(1, id);
                    try (ResultSet r = st.executeQuery()) {
                        while (r.next()) {
                            numbers.add(r.getLong(1));
                        }
                    }
                }
                logged.put(id, numbers);
            }
            long received = 0;
            long expectedReports = 0;
            int inexact = 0;
            for (Follower f : followers) {
                List<Long> got = f.ids();
                received += got.size();
                expectedReports += logged.get(f.experiment()).size();
                if (!got.equals(logged.get(f.experiment()))) {
                    inexact++;
                }
            }
            if (inexact > 0) {
                System.out.printf("  %d follower(s) did not receive exactly their experiment's reports, in order%n", inexact);
            }
            int checkpoints = (int) scalar(db, "select count(*) from eval.received_checkpoint");
            int runs = (int) scalar(db, "select count(distinct run_id) from eval.received_checkpoint");
            List<Double> partition = partitionLatencies(all.stack.kafkaAdminSettings());
            long evaluations = readAll(all.stack.kafkaAdminSettings(), EventTopic.EVALUATIONS.topicName()).size();
            long dead = 0;
            for (EventTopic t : EventTopic.values()) {
                dead += readAll(all.stack.kafkaAdminSettings(), t.deadLetterTopicName()).size();
            }
            Throughput level = new Throughput(trainers, evaluators, streams - refused, refused, events.get(),
                    streams - followersRefused, followersRefused, received, expectedReports, inexact, ids.size(),
                    runs, checkpoints, seconds, ids.size() / (seconds / 3600),
                    latency("last snapshot -> partition", partition, 0),
                    latency("checkpoint -> evaluation", evaluation, 0), dead,
                    checkpoints == 0 ? 0 : (double) evaluations / checkpoints, failed, requests);
            System.out.printf(Locale.ROOT, "  %d experiments (%d runs, %d checkpoints) in %.0f s: %.1f experiments/hour;"
                            + " last snapshot -> partition p50 %.0f ms; checkpoint -> evaluation p50 %.0f ms, p99 %.0f ms;"
                            + " dead letters %d; evaluations per checkpoint %.2f; dashboard streams open %d, refused %d,"
                            + " %d change events; progress followers open %d, refused %d, %d reports of %d logged%n",
                    ids.size(), runs, checkpoints, seconds, level.experimentsPerHour(), level.partitionLatency().p50(),
                    level.evaluationLatency().p50(), level.evaluationLatency().p99(), dead,
                    level.evaluationsPerCheckpoint(), level.streamsOpen(), refused, events.get(),
                    level.followersOpen(), followersRefused, received, expectedReports);
            for (Latency l : requests) {
                System.out.printf(Locale.ROOT, "  %-36s p50 %7.1f ms   p99 %7.1f ms   max %7.1f ms   (%d)%s%n", l.request(),
                        l.p50(), l.p99(), l.max(), l.count(), l.errors() == 0 ? "" : "   errors " + l.errors());
            }
            return level;
        }
    }

    /** Waits until the eval service lists {@code experiments} experiments (it hears of one from its first record). */
    private void awaitKnown(String eval, int experiments) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            HttpResponse<String> listing = get(eval + "/experiments?limit=1");
            if (listing.statusCode() == 200
                    && listing.headers().firstValueAsLong("X-Total-Count").orElse(0) >= experiments) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the eval service had not heard of every submitted experiment after 120 s");
    }

    /** Times the answers of {@link #REQUESTS} in turn until {@code training} ends. */
    private void pollWhile(AtomicBoolean training, List<String> ids, String trainer, String eval,
                           List<List<Double>> answers, int[] errors) {
        for (int i = 0; training.get(); i = (i + 1) % REQUESTS.size()) {
            String id = ids.get(random.nextInt(ids.size()));
            long t = System.nanoTime();
            try {
                HttpResponse<String> r = http.send(request(url(i, id, trainer, eval)).timeout(Duration.ofSeconds(30))
                        .build(), HttpResponse.BodyHandlers.ofString());
                // the eval service knows an experiment from its first record on: a 404 before is an answer
                if (r.statusCode() != 200 && !(r.statusCode() == 404 && REQUESTS.get(i).startsWith("GET eval"))) {
                    errors[i]++;
                }
            } catch (Exception e) {
                errors[i]++;
            }
            answers.get(i).add((System.nanoTime() - t) / 1e6);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Waits until every experiment has ended and every checkpoint is scored; returns how many experiments failed. */
    private int awaitDone(String trainer, String eval, List<String> ids) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(60);
        while (System.nanoTime() < deadline) {
            int ended = 0;
            int failed = 0;
            for (String id : ids) {
                HttpResponse<String> r = get(trainer + "/experiments/" + id);
                String phase = r.statusCode() == 200 ? ServiceClient.JSON.readTree(r.body()).path("phase").asText().toLowerCase(Locale.ROOT) : "";
                if (List.of("done", "failed", "cancelled").contains(phase)) {
                    ended++;
                    if (!phase.equals("done")) {
                        failed++;
                    }
                }
            }
            if (ended == ids.size()) {
                boolean scored = true;
                for (String id : ids) {
                    HttpResponse<String> r = get(eval + "/results/" + id);
                    JsonNode status = r.statusCode() == 200 ? ServiceClient.JSON.readTree(r.body()).path("checkpointStatus") : null;
                    scored &= status != null && status.path("pending").asLong() == 0 && status.path("evaluating").asLong() == 0;
                }
                if (scored) {
                    return failed;
                }
            }
            Thread.sleep(1000);
        }
        throw new IllegalStateException("the experiments did not end within 60 minutes");
    }

    /** Per experiment, from its newest gradient snapshot record to its partition record (the records' own times). */
    private static List<Double> partitionLatencies(Map<String, Object> client) {
        Map<String, Long> lastSnapshot = new LinkedHashMap<>();
        for (var r : readAll(client, EventTopic.GRADIENTS.topicName())) {
            lastSnapshot.merge(r.key(), r.timestamp(), Math::max);
        }
        List<Double> out = new ArrayList<>();
        for (var r : readAll(client, EventTopic.PARTITIONS.topicName())) {
            Long snapshot = lastSnapshot.get(r.key());
            if (snapshot != null) {
                out.add((double) (r.timestamp() - snapshot));
            }
        }
        return out;
    }

    /** Every record of a topic, from its beginning to its end now. */
    static List<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> readAll(Map<String, Object> client, String topic) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(org.apache.kafka.clients.consumer.ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(p, new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(out::add);
            }
        }
        return out;
    }

    private Level measure(int streams, List<String> ids, String trainer, String eval, KafkaProducer<String, byte[]> kafka,
                          Connection db, Admin admin) throws Exception {
        System.out.printf("%nLevel: %d dashboard streams ...%n", streams);
        AtomicLong events = new AtomicLong();
        List<CompletableFuture<HttpResponse<Void>>> open = openStreams(streams, ids, eval, events);
        int refused = refused(open);
        AtomicBoolean live = new AtomicBoolean(true);
        Thread reporter = new Thread(() -> liveReports(kafka, ids, live), "live-reports");
        reporter.setDaemon(true);
        reporter.start();
        // the database's work while only the streams and the live reports run: what open dashboards cost by themselves
        long idleBefore = scalar(db, COMMITS);
        long idleStart = System.nanoTime();
        Thread.sleep(5000);
        double idle = (scalar(db, COMMITS) - idleBefore) / ((System.nanoTime() - idleStart) / 1e9);
        long commitsBefore = scalar(db, COMMITS);
        long t0 = System.nanoTime();
        List<Latency> latencies = requests(ids, trainer, eval);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long commits = scalar(db, COMMITS) - commitsBefore;
        live.set(false);
        reporter.join();
        long lag = evalLag(admin);
        open.forEach(f -> f.cancel(true));
        long received = events.get();
        int ok = streams - refused;
        System.out.printf("  %d open, %d refused, %d change events received; database %.0f transactions/s without requests,"
                + " %.0f with; eval intake lag %d%n", ok, refused, received, idle, commits / seconds, lag);
        Thread.sleep(2000); // let the server notice the closed streams before the next level
        return new Level(streams, ok, refused, received, idle, commits / seconds, lag, latencies);
    }

    /** Dashboard change streams spread over the experiments; waits until a refused one would have answered. */
    private List<CompletableFuture<HttpResponse<Void>>> openStreams(int streams, List<String> ids, String eval,
                                                                     AtomicLong events) throws InterruptedException {
        return openStreams(streams, ids, id -> eval + "/experiments/" + id + "/changes", events);
    }

    /** Server-sent event streams spread over the experiments, each counting the events it receives. */
    private List<CompletableFuture<HttpResponse<Void>>> openStreams(int streams, List<String> ids,
                                                                     java.util.function.Function<String, String> url,
                                                                     AtomicLong events) throws InterruptedException {
        List<CompletableFuture<HttpResponse<Void>>> open = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            String id = ids.get(i % ids.size());
            open.add(http.sendAsync(request(url.apply(id))
                            .header("Accept", "text/event-stream").build(),
                    HttpResponse.BodyHandlers.fromLineSubscriber(Lines.counting(events))));
        }
        // a refused stream answers at once; an accepted one answers its headers and stays open
        if (streams > 0) {
            Thread.sleep(3000);
        }
        return open;
    }

    /** A follower of one experiment's progress stream and the event ids it received, in order. */
    private record Follower(String experiment, CompletableFuture<HttpResponse<Void>> response, List<Long> ids) {
    }

    private Follower follow(String trainer, String experiment) {
        List<Long> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        return new Follower(experiment, http.sendAsync(request(trainer + "/experiments/" + experiment + "/events")
                        .header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.fromLineSubscriber(Lines.keepingIds(ids))), ids);
    }

    /** Streams refused or broken so far; prints why, grouped. */
    private static int refused(List<CompletableFuture<HttpResponse<Void>>> open) {
        Map<String, Integer> why = new java.util.TreeMap<>();
        for (CompletableFuture<HttpResponse<Void>> f : open) {
            if (!f.isDone()) {
                continue;
            }
            try {
                int status = f.getNow(null).statusCode();
                if (status != 200) {
                    why.merge("answered " + status, 1, Integer::sum);
                }
            } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                why.merge(cause.getClass().getSimpleName() + ": " + cause.getMessage(), 1, Integer::sum);
            }
        }
        why.forEach((reason, count) -> System.out.printf("  %d stream(s) refused or broken: %s%n", count, reason));
        return why.values().stream().mapToInt(Integer::intValue).sum();
    }

    private void warmUp(List<String> ids, String trainer, String eval) {
        System.out.println("\nWarming up (one unmeasured round) ...");
        requests(ids, trainer, eval);
    }

    /** The answers a lab's users ask for most, in the order the tables show them. */
    static final List<String> REQUESTS = List.of("GET trainer /experiments/{id}", "GET trainer /experiments (a page)",
            "GET eval /results/{id}", "GET eval /results/{id}?format=md", "GET eval /experiments (a page)",
            "GET eval / (dashboard page)");

    private static String url(int request, String id, String trainer, String eval) {
        return switch (request) {
            case 0 -> trainer + "/experiments/" + id;
            case 1 -> trainer + "/experiments?limit=50";
            case 2 -> eval + "/results/" + id;
            case 3 -> eval + "/results/" + id + "?format=md";
            case 4 -> eval + "/experiments?limit=50";
            case 5 -> eval + "/?experiment=" + id;
            default -> throw new IllegalArgumentException("no request " + request);
        };
    }

    private List<Latency> requests(List<String> ids, String trainer, String eval) {
        List<Latency> latencies = new ArrayList<>();
        for (int i = 0; i < REQUESTS.size(); i++) {
            int request = i;
            latencies.add(time(REQUESTS.get(i), ids, id -> url(request, id, trainer, eval)));
        }
        return latencies;
    }

    private Latency time(String what, List<String> ids, java.util.function.Function<String, String> url) {
        List<Double> ms = new ArrayList<>();
        int errors = 0;
        for (int i = 0; i < settings.requests(); i++) {
            String id = ids.get(random.nextInt(ids.size()));
            long t = System.nanoTime();
            try {
                HttpResponse<String> r = http.send(request(url.apply(id))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    errors++;
                }
            } catch (Exception e) {
                errors++;
            }
            ms.add((System.nanoTime() - t) / 1e6);
        }
        Latency l = latency(what, ms, errors);
        System.out.printf(Locale.ROOT, "  %-36s p50 %7.1f ms   p99 %7.1f ms   max %7.1f ms%s%n", what, l.p50(), l.p99(),
                l.max(), errors == 0 ? "" : "   errors " + errors);
        return l;
    }

    private static Latency latency(String what, List<Double> ms, int errors) {
        double[] sorted = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (sorted.length == 0) {
            return new Latency(what, 0, 0, 0, 0, errors);
        }
        return new Latency(what, sorted.length, percentile(sorted, 0.50), percentile(sorted, 0.99),
                sorted[sorted.length - 1], errors);
    }

    static double percentile(double[] sorted, double q) {
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    /** What a trainer would have published for the experiment: each run's lifecycle, steps and checkpoints. */
    private void publishExperiment(KafkaProducer<String, byte[]> kafka, String id) {
        Instant at = Instant.now();
        List<String> tasks = ShapeWorld.TASK_STYLES;
        send(kafka, id, Progress.lifecycle(id, null, null, "phase-2", "running", "experiment phase-2", at));
        for (int r = 0; r < settings.runs(); r++) {
            String run = id + ".mmap.s" + (r + 1);
            send(kafka, id, Progress.lifecycle(id, run, "mmap", "phase-2", "running", "run running", at));
            long perEpoch = Math.max(1, settings.steps() / settings.epochs());
            for (int s = 1; s <= settings.steps(); s++) {
                double loss = 7.0 / Math.sqrt(s);
                send(kafka, id, new Progress(id, run, "mmap", "phase-2", "running", s, settings.steps(),
                        (int) Math.min(settings.epochs(), 1 + (s - 1) / perEpoch), settings.epochs(), loss, loss,
                        Map.of(tasks.get(0), loss / 2, tasks.get(1), loss / 2), 3.58, 0.01, null, null, null, 100.0,
                        1000L * (settings.steps() - s), null, at.plusMillis(s)));
            }
            for (int e = 1; e <= settings.epochs(); e++) {
                Checkpoint c = new Checkpoint(id, run, "mmap", r + 1, tasks, List.of(tasks), e, e == settings.epochs(),
                        "file:///nowhere/" + run + "-e" + e + ".safetensors", "0f".repeat(32), 20_000);
                kafka.send(new ProducerRecord<>(EventTopic.CHECKPOINTS.topicName(), id, EventCodecs.CHECKPOINT.encode(c)));
            }
            send(kafka, id, Progress.lifecycle(id, run, "mmap", "phase-2", "done", "run done", at.plusMillis(settings.steps() + 1)));
        }
    }

    /** Step reports for a few experiments at {@code liveRate} a second, as running trainers send them. */
    private void liveReports(KafkaProducer<String, byte[]> kafka, List<String> ids, AtomicBoolean live) {
        long step = 1_000_000;
        long pause = Math.max(1, 1000 / Math.max(1, settings.liveRate()));
        while (live.get()) {
            String id = ids.get((int) (step % Math.min(8, ids.size())));
            step++;
            send(kafka, id, new Progress(id, id + ".mmap.s1", "mmap", "phase-2", "running", step, step, 1, 1, 1.0, 1.0,
                    null, null, 0.01, null, null, null, 100.0, 0L, null, Instant.now()));
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        kafka.flush();
    }

    private static void send(KafkaProducer<String, byte[]> kafka, String id, Progress p) {
        kafka.send(new ProducerRecord<>(EventTopic.PROGRESS.topicName(), id, EventCodecs.PROGRESS.encode(p)));
    }

    /**
     * Seconds from the end of the seeding until the eval service lists every experiment and the last one's checkpoints
     * and its intakes have consumed every record.
     */
    private long awaitIngested(String eval, Admin admin, String last, int checkpoints, int experiments) throws Exception {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MINUTES.toNanos(10);
        while (System.nanoTime() < deadline) {
            HttpResponse<String> listing = get(eval + "/experiments?limit=1");
            HttpResponse<String> results = get(eval + "/results/" + last + "?limit=500");
            if (listing.statusCode() == 200 && results.statusCode() == 200) {
                long listed = listing.headers().firstValueAsLong("X-Total-Count").orElse(0);
                JsonNode body = ServiceClient.JSON.readTree(results.body());
                long received = body.has("checkpointsTotal") ? body.path("checkpointsTotal").asLong()
                        : body.path("checkpoints").size();
                if (listed >= experiments && received >= checkpoints && evalLag(admin) == 0) {
                    return (System.nanoTime() - start) / 1_000_000_000L;
                }
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the eval service did not take in the published records within 10 minutes");
    }

    /** Records of the eval service's intakes (checkpoints, progress) not yet consumed: the sum over their partitions. */
    static long evalLag(Admin admin) throws Exception {
        long lag = 0;
        for (String group : List.of("eval-service", "eval-service-progress")) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            String topic = group.equals("eval-service") ? EventTopic.CHECKPOINTS.topicName() : EventTopic.PROGRESS.topicName();
            Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
            for (var description : admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(topic).partitions()) {
                latest.put(new TopicPartition(topic, description.partition()), OffsetSpec.latest());
            }
            for (var end : admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).entrySet()) {
                OffsetAndMetadata at = committed.get(end.getKey());
                lag += end.getValue().offset() - (at == null ? 0 : at.offset());
            }
        }
        return lag;
    }

    /** A spec on the generated shape world's four styles with the tiny CLIP, the rest as given. */
    private static ObjectNode spec(String id, Path data, int percent, List<String> methods, List<Integer> seeds) {
        ObjectNode spec = ServiceClient.JSON.createObjectNode();
        spec.put("id", id);
        ObjectNode dataset = spec.putObject("dataset");
        dataset.put("kind", "folder").put("root", data.toAbsolutePath().toString()).put("percent", percent);
        ShapeWorld.TASK_STYLES.forEach(dataset.putArray("tasks")::add);
        spec.put("weights", "generated:tiny");
        methods.forEach(spec.putArray("methods")::add);
        seeds.forEach(spec.putArray("seeds")::add);
        spec.putObject("grouping").put("snapshots", 2).put("objective", "mean-centred");
        return spec;
    }

    /** What the read side submits: accepted and planned, never trained (training is off). */
    private static String plannedSpec(String id, Path data) {
        ObjectNode spec = spec(id, data, 50, List.of("zero-shot", "coop-mt", "mmap"), List.of(1, 2));
        spec.putObject("recipe").put("batchSize", 4);
        return spec.toString();
    }

    /** What the throughput levels train: the demo's recipe for one epoch. */
    private static String trainedSpec(String id, Path data) {
        ObjectNode spec = spec(id, data, 25, List.of("coop-mt", "mmap"), List.of(1));
        spec.putObject("recipe").put("epochs", 1).put("batchSize", 8).put("learningRate", 0.01).put("warmupEpochs", 0)
                .put("augment", false);
        return spec.toString();
    }

    private HttpResponse<String> post(String url, String json) throws Exception {
        return http.send(request(url).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(request(url).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static long scalar(Connection db, String sql) throws Exception {
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    private static KafkaProducer<String, byte[]> producer(Map<String, Object> client) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private void print(Latency submit, List<Level> levels, long dbBytes) {
        System.out.printf("%nPipeline under load (%d experiments, %d runs each, %d requests per measurement, %d live reports/s):%n%n",
                settings.experiments(), settings.runs(), settings.requests(), settings.liveRate());
        StringBuilder header = new StringBuilder("| request (p50 / p99 ms) |");
        StringBuilder rule = new StringBuilder("|---|");
        for (Level l : levels) {
            header.append(' ').append(l.streamsAsked()).append(" streams |");
            rule.append("---|");
        }
        System.out.println(header);
        System.out.println(rule);
        for (int i = 0; i < levels.get(0).latencies().size(); i++) {
            StringBuilder row = new StringBuilder("| " + levels.get(0).latencies().get(i).request() + " |");
            for (Level l : levels) {
                Latency x = l.latencies().get(i);
                row.append(String.format(Locale.ROOT, " %.1f / %.1f%s |", x.p50(), x.p99(),
                        x.errors() == 0 ? "" : " (" + x.errors() + " errors)"));
            }
            System.out.println(row);
        }
        StringBuilder open = new StringBuilder("| streams open / refused |");
        StringBuilder idle = new StringBuilder("| database transactions/s, streams and live reports only |");
        StringBuilder db = new StringBuilder("| database transactions/s, while measuring |");
        StringBuilder ev = new StringBuilder("| change events received |");
        StringBuilder lag = new StringBuilder("| eval intake lag at the end (records) |");
        for (Level l : levels) {
            open.append(' ').append(l.streamsOpen()).append(" / ").append(l.streamsRefused()).append(" |");
            idle.append(String.format(Locale.ROOT, " %.0f |", l.dbTransactionsPerSecondIdle()));
            db.append(String.format(Locale.ROOT, " %.0f |", l.dbTransactionsPerSecond()));
            ev.append(' ').append(l.changeEvents()).append(" |");
            lag.append(' ').append(l.evalLag()).append(" |");
        }
        System.out.println(open);
        System.out.println(idle);
        System.out.println(db);
        System.out.println(ev);
        System.out.println(lag);
        System.out.printf(Locale.ROOT, "%nPOST trainer /experiments (%d submissions, no load): p50 %.1f ms, p99 %.1f ms%s%n",
                submit.count(), submit.p50(), submit.p99(), submit.errors() == 0 ? "" : ", " + submit.errors() + " refused");
        System.out.printf(Locale.ROOT, "Database size after the run: %.1f MiB (%.1f KiB per experiment)%n",
                dbBytes / 1048576.0, dbBytes / 1024.0 / settings.experiments());
    }

    private void write(Latency submit, List<Level> levels, long dbBytes, Instant began) throws Exception {
        ObjectNode json = ServiceClient.JSON.createObjectNode();
        json.put("benchmark", "pipeline");
        json.put("began", began.toString());
        json.put("home", settings.home().toString());
        json.put("experiments", settings.experiments());
        json.put("runsPerExperiment", settings.runs());
        json.put("stepsPerRun", settings.steps());
        json.put("epochsPerRun", settings.epochs());
        json.put("requestsPerMeasurement", settings.requests());
        json.put("liveReportsPerSecond", settings.liveRate());
        json.set("submit", ServiceClient.JSON.valueToTree(submit));
        json.set("levels", ServiceClient.JSON.valueToTree(levels));
        json.put("databaseBytes", dbBytes);
        json.put("cpus", Runtime.getRuntime().availableProcessors());
        Files.createDirectories(settings.out().toAbsolutePath().getParent());
        Files.writeString(settings.out(), ServiceClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json),
                StandardCharsets.UTF_8);
        System.out.println("Written: " + settings.out());
    }

    /** Hands each line of a server-sent event stream to {@code line}; what arrived before a close is kept. */
    private record Lines(java.util.function.Consumer<String> line) implements Flow.Subscriber<String> {
        /** Counts the {@code data:} lines: one per event. */
        static Lines counting(AtomicLong events) {
            return new Lines(l -> {
                if (l.startsWith("data:")) {
                    events.incrementAndGet();
                }
            });
        }

        /** Keeps the {@code id:} of each event. */
        static Lines keepingIds(List<Long> ids) {
            return new Lines(l -> {
                if (l.startsWith("id:")) {
                    ids.add(Long.parseLong(l.substring(3).trim()));
                }
            });
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String item) {
            line.accept(item);
        }

        @Override
        public void onError(Throwable throwable) {
            // closed by the harness, or refused
        }

        @Override
        public void onComplete() {
        }
    }

    static List<Integer> levels(String text) {
        return Arrays.stream(text.split(",")).map(String::trim).map(Integer::valueOf).toList();
    }
}
