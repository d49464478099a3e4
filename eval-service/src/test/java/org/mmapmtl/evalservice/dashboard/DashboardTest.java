package org.mmapmtl.evalservice.dashboard;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.path.json.config.JsonPathConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mmapmtl.evalservice.ScoredWorld;
import org.mmapmtl.events.Checkpoint;
import org.mmapmtl.events.EventCodecs;
import org.mmapmtl.events.EventTopic;
import org.mmapmtl.events.Progress;
import org.mmapmtl.events.TaskPartition;
import org.mmapmtl.testing.InjectTopicProbe;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.testing.TopicProbe;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/**
 * The dashboard fed as in a real pipeline: checkpoints of real tiny training runs (scored by the evaluator), progress
 * reports and a partition arriving on their topics. Its REST twins are checked, then the page is loaded in Debian's
 * headless chromium and every heatmap cell, results row, curve point and confusion matrix is compared with the REST
 * data; a report sent while the page is open shows up without a reload.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class DashboardTest {
    static final String EXPERIMENT = "board";
    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("MMAP_CHROMIUM", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("MMAP_CHROMEDRIVER", "/usr/bin/chromedriver"));
    static final JsonPathConfig DOUBLES = new JsonPathConfig(JsonPathConfig.NumberReturnType.DOUBLE);
    static List<Checkpoint> records;

    @InjectTopicProbe
    TopicProbe kafka;

    @TestHTTPResource("/")
    URL root;

    @BeforeAll
    static void train() throws IOException {
        records = ScoredWorld.records().stream().map(c -> ScoredWorld.as(EXPERIMENT, c)).toList();
    }

    static String runId(String method, long seed) {
        return EXPERIMENT + "." + method + ".s" + seed;
    }

    void sendProgress(Progress p) {
        kafka.send(EventTopic.PROGRESS.topicName(), p.experimentId(), EventCodecs.PROGRESS.encode(p));
    }

    /**
     * A step report; CoOp-MT's runs train one task here, the others two (their loss sums both). Each carries its
     * gradient norm, the first step's clipped at 10 as the demo's recipe does.
     */
    static Progress step(String runId, String variant, long step, double loss) {
        Map<String, Double> tasks = "coop-mt".equals(variant) ? Map.of("clipart", loss)
                : Map.of("clipart", loss / 2, "painting", loss / 2);
        double gradNorm = 40.0 / step;
        return new Progress(EXPERIMENT, runId, variant, "single", "running", step, 8, 1, 1, loss, loss,
                tasks, null, 0.002, gradNorm, gradNorm > 10, null, 12.5, 4000L, null, Instant.now());
    }

    /** What a trainer would have said about the four runs, and the grouping service's decision. */
    void feed() {
        records.forEach(c -> kafka.send(EventTopic.CHECKPOINTS.topicName(), EXPERIMENT, EventCodecs.CHECKPOINT.encode(c)));
        sendProgress(Progress.lifecycle(EXPERIMENT, null, null, "phase-2", "running", "experiment phase-2", Instant.now()));
        for (Checkpoint c : records) {
            sendProgress(Progress.lifecycle(EXPERIMENT, c.runId(), c.method(), "single", "running", "run running", Instant.now()));
            for (int s = 1; s <= 6; s++) {
                sendProgress(step(c.runId(), c.method(), s, 2.0 / s + c.seed() * 0.01));
            }
            sendProgress(Progress.lifecycle(EXPERIMENT, c.runId(), c.method(), "single", "done", "run done", Instant.now()));
        }
        double[][] affinity = {
                {1.0, 0.42, -0.13, 0.05},
                {0.42, 1.0, -0.21, 0.11},
                {-0.13, -0.21, 1.0, 0.37},
                {0.05, 0.11, 0.37, 1.0}};
        TaskPartition partition = new TaskPartition(EXPERIMENT, ScoredWorld.TASKS, affinity,
                List.of(List.of("clipart", "sketch"), List.of("painting", "photo_2")), "threshold(tau=0.0)", 0.79,
                "exact", 4, Instant.now());
        kafka.send(EventTopic.PARTITIONS.topicName(), EXPERIMENT, EventCodecs.PARTITION.encode(partition));
    }

    @Test
    void theDashboardShowsWhatTheRestApiServesAndFollowsTheExperimentLive() throws Exception {
        feed();
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> given().get("/results/{id}", EXPERIMENT).then()
                .statusCode(200)
                .body("rows.find { it.method == 'coop-mt' }.seeds", equalTo(List.of(1, 2, 3)))
                .body("rows.find { it.method == 'zero-shot' }.seeds", equalTo(List.of(1))));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            given().get("/experiments/{id}/partition", EXPERIMENT).then().statusCode(200);
            given().get("/experiments/{id}/progress", EXPERIMENT).then().statusCode(200)
                    .body("runs.size()", equalTo(4)).body("runs.state", org.hamcrest.Matchers.everyItem(equalTo("done")))
                    .body("curves.size()", equalTo(4)).body("curves[0].points.size()", equalTo(6));
        });
        given().get("/experiments").then().statusCode(200).body("experimentId", hasItem(EXPERIMENT));
        given().get("/experiments?limit=1&offset=0").then().statusCode(200).body("size()", equalTo(1));
        given().get("/experiments?offset=-1").then().statusCode(400).body("errors[0].field", equalTo("offset"));
        // the page's list is paged as the JSON one: from ?offset=1 on, the most recent experiment is not listed
        var listed = given().get("/experiments?limit=1").then().extract();
        String olderPage = given().get("/?offset=1").then().statusCode(200).extract().asString();
        assertThat(olderPage).doesNotContain(">" + listed.jsonPath().getString("[0].experimentId") + "<")
                .contains(" of " + listed.header("X-Total-Count")).contains("href=\"/?offset=0\">newer</a>");
        given().get("/?offset=-1").then().statusCode(400).contentType("application/problem+json");
        JsonPath served = given().get("/experiments/{id}/progress", EXPERIMENT).then().body("phase", equalTo("phase-2"))
                .extract().jsonPath().using(DOUBLES);
        assertThat(served.getInt("curves.find { it.runId == '" + runId("coop-mt", 2) + "' }.tasks")).isEqualTo(1);
        assertThat(served.getList("curves.findAll { it.variant != 'coop-mt' }.tasks", Integer.class)).isNotEmpty()
                .allMatch(t -> t == 2);
        assertThat(served.getDouble("curves.find { it.runId == '" + runId("coop-mt", 2) + "' }.points[2].loss"))
                .isEqualTo(2.0 / 3 + 0.02);
        given().get("/experiments/{id}/progress", "never-heard-of").then().statusCode(404)
                .contentType("application/problem+json").body("detail", containsString("never-heard-of"));
        given().get("/experiments/{id}/partition", "never-heard-of").then().statusCode(404)
                .contentType("application/problem+json");
        // a person following a stale link gets the page, saying what is missing, with the 404
        given().get("/?experiment=never-heard-of").then().statusCode(404).contentType(containsString("text/html"))
                .body(containsString("No experiment 'never-heard-of' here"));
        given().get("/?experiment={id}&fragment=menu", EXPERIMENT).then().statusCode(400)
                .contentType("application/problem+json");
        given().get("/?experiment={id}", EXPERIMENT).then().statusCode(200).contentType(containsString("text/html"))
                .body(containsString("id=\"board-data\""));
        given().get(DashboardResource.CHART_JS).then().statusCode(200).body(containsString("Chart"));

        inBrowser();
    }

    @Test
    void unreadableProgressAndPartitionRecordsGoToTheirDeadLetterTopicsAndTheNextIsRead() {
        kafka.send(EventTopic.PROGRESS.topicName(), "board-poison", "{\"schema\":\"mmap.progress/1\",\"state\":\"sleeping\"}"
                .getBytes());
        kafka.send(EventTopic.PARTITIONS.topicName(), "board-poison", new byte[] {1, 2, 3});
        sendProgress(Progress.lifecycle("board-after-poison", null, null, "queued", "queued", "experiment queued",
                Instant.now()));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/experiments/{id}/progress", "board-after-poison").then().statusCode(200)
                        .body("state", equalTo("queued")));
        for (EventTopic topic : List.of(EventTopic.PROGRESS, EventTopic.PARTITIONS)) {
            var dead = kafka.readUntil(topic.deadLetterTopicName(),
                    rs -> rs.stream().anyMatch(r -> "board-poison".equals(r.key())), Duration.ofSeconds(30));
            assertThat(dead).filteredOn(r -> "board-poison".equals(r.key())).singleElement()
                    .extracting(r -> TopicProbe.header(r, "dead-letter-reason")).asString().isNotBlank();
        }
    }

    private void inBrowser() throws Exception {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present) {
            System.out.println("DashboardTest: browser part SKIPPED: no " + CHROMIUM + " or " + CHROMEDRIVER
                    + " (apt-get install chromium chromium-driver, or set MMAP_CHROMIUM / MMAP_CHROMEDRIVER)");
        }
        assumeThat(present).as("chromium and chromedriver installed (Debian: chromium chromium-driver)").isTrue();
        Path profile = Files.createTempDirectory("mmap-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // no background traffic: this machine's network is closed and chromium would keep trying
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1440,2400", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        try {
            driver.get(new URL(root, "/?experiment=" + EXPERIMENT).toString());
            JavascriptExecutor js = driver;
            await().atMost(Duration.ofSeconds(30)).until(() -> Boolean.TRUE.equals(js.executeScript(
                    "return typeof Chart !== 'undefined' && !!Chart.getChart('loss-chart') && !!Chart.getChart('params-chart')")));
            // the gradient norms, one line per run, a triangle where the step was clipped
            assertThat(js.executeScript("return Chart.getChart('grad-chart').data.datasets.map(d => d.pointStyle"
                    + ".filter(s => s === 'triangle').length + '/' + d.data.length)")).asList().isNotEmpty()
                    .allSatisfy(s -> assertThat(s.toString()).matches("[0-9]+/[0-9]+").doesNotStartWith("0/"));
            // the change stream's first event swaps in a fresh board; nothing changes after it until this test sends more
            await().atMost(Duration.ofSeconds(30)).until(() -> Boolean.TRUE.equals(js.executeScript(
                    "return Number(document.getElementById('board').dataset.refreshes) >= 1 && !!Chart.getChart('loss-chart')")));

            // the heatmap: every cell is the REST affinity, outlined where both tasks share a group
            JsonPath partition = given().get("/experiments/{id}/partition", EXPERIMENT).then().extract().jsonPath().using(DOUBLES);
            List<String> tasks = partition.getList("tasks", String.class);
            List<List<Number>> affinity = partition.getList("affinity");
            List<List<String>> groups = partition.getList("groups");
            List<WebElement> cells = driver.findElements(By.cssSelector("#affinity table.heatmap td"));
            assertThat(cells).hasSize(tasks.size() * tasks.size());
            for (WebElement cell : cells) {
                int i = tasks.indexOf(cell.getAttribute("data-row"));
                int j = tasks.indexOf(cell.getAttribute("data-col"));
                double value = affinity.get(i).get(j).doubleValue();
                assertThat(cell.getText()).isEqualTo(String.format(Locale.ROOT, "%.2f", value));
                boolean together = groups.stream().anyMatch(g -> g.contains(tasks.get(i)) && g.contains(tasks.get(j)));
                assertThat(cell.getAttribute("class").contains("in-group")).as("cell %s/%s", tasks.get(i), tasks.get(j))
                        .isEqualTo(together);
            }
            assertThat(driver.findElements(By.cssSelector("#affinity ol.groups li"))).extracting(WebElement::getText)
                    .containsExactly("clipart sketch", "painting photo_2");

            // the results table: one row per method, each cell mean ± std (%) as served
            JsonPath results = given().get("/results/{id}", EXPERIMENT).then().extract().jsonPath().using(DOUBLES);
            List<String> methods = results.getList("rows.method", String.class);
            List<WebElement> rows = driver.findElements(By.cssSelector("#results tr[data-method]"));
            assertThat(rows).extracting(r -> r.getAttribute("data-method")).containsExactlyElementsOf(methods);
            for (WebElement row : rows) {
                String method = row.getAttribute("data-method");
                Map<String, Object> served = results.getMap("rows.find { it.method == '" + method + "' }");
                for (String task : ScoredWorld.TASKS) {
                    Map<String, Object> cell = results.getMap("rows.find { it.method == '" + method + "' }.tasks." + task);
                    assertThat(row.findElement(By.cssSelector("td[data-task='" + task + "']")).getText())
                            .isEqualTo(text(cell));
                }
                assertThat(row.findElement(By.cssSelector("td[data-task='mean']")).getText())
                        .isEqualTo(text(results.getMap("rows.find { it.method == '" + method + "' }.mean")));
                assertThat(row.findElement(By.cssSelector("td[data-params]")).getAttribute("data-params"))
                        .isEqualTo(served.get("trainableParams").toString());
            }

            // the loss curves and Figure 1: the charts' points are the served ones
            JsonPath progress = given().get("/experiments/{id}/progress", EXPERIMENT).then().extract().jsonPath().using(DOUBLES);
            assertThat(chartCurves(js)).isEqualTo(servedCurves(progress));
            // the guide line: a uniform guess's loss per task, ln C for the C classes of the scored tasks
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> guides = (List<Map<String, Object>>) js.executeScript(
                    "return Chart.getChart('loss-chart').data.datasets.filter(d => d.guide).map(d => ({label: d.label, y: d.data[0].y}))");
            int classCount = given().get("/results/{id}/runs/{run}", EXPERIMENT, runId("zero-shot", 1)).then().extract().jsonPath()
                    .getList("epochs[0].tasks." + ScoredWorld.TASKS.get(0) + ".classes").size();
            assertThat(guides).singleElement().satisfies(g -> {
                assertThat(((Number) g.get("y")).doubleValue()).isCloseTo(Math.log(classCount), within(1e-9));
                assertThat(g.get("label")).asString().contains("uniform guess").contains(String.format(Locale.ROOT, "%.2f", Math.log(classCount)));
            });
            // Figure 1's parameter axis: labels only at powers of ten, so that none overlaps another
            @SuppressWarnings("unchecked")
            List<String> ticks = (List<String>) js.executeScript(
                    "return Chart.getChart('params-chart').scales.x.ticks.map(t => t.label).filter(l => l)");
            assertThat(ticks).isNotEmpty().allMatch(l -> l.matches("(1|10|100)[kM]?"), "a power of ten").doesNotHaveDuplicates();
            // the method filter: one method's runs alone, and back to every method
            js.executeScript("const f = document.getElementById('loss-method'); f.value = 'coop-mt'; f.dispatchEvent(new Event('change'));");
            @SuppressWarnings("unchecked")
            List<String> coop = (List<String>) js.executeScript("return Chart.getChart('loss-chart').data.datasets.filter(d => !d.guide).map(d => d.label)");
            assertThat(coop).isNotEmpty().allMatch(l -> l.startsWith("coop-mt.s"));
            assertThat(coop).hasSize((int) progress.getList("curves.variant").stream().filter("coop-mt"::equals).count());
            js.executeScript("const f = document.getElementById('loss-method'); f.value = ''; f.dispatchEvent(new Event('change'));");
            assertThat(chartCurves(js)).isEqualTo(servedCurves(progress));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> figure = (List<Map<String, Object>>) js.executeScript(
                    "return Chart.getChart('params-chart').data.datasets.map(d => ({method: d.label, x: d.data[0].x, y: d.data[0].y}))");
            assertThat(figure).extracting(p -> p.get("method")).containsExactlyElementsOf(methods);
            for (Map<String, Object> point : figure) {
                double mean = results.getDouble("rows.find { it.method == '" + point.get("method") + "' }.mean.mean");
                assertThat(((Number) point.get("y")).doubleValue()).isCloseTo(100.0 * mean, org.assertj.core.api.Assertions.within(1e-3));
            }

            // the selected run's confusion matrices are the served ones
            String selected = driver.findElement(By.id("run-select")).getAttribute("value");
            JsonPath run = given().get("/results/{id}/runs/{run}", EXPERIMENT, selected).then().extract().jsonPath().using(DOUBLES);
            List<WebElement> figures = driver.findElements(By.cssSelector("#confusion figure[data-task]"));
            assertThat(figures).extracting(f -> f.getAttribute("data-task")).containsExactlyElementsOf(ScoredWorld.TASKS);
            for (WebElement f : figures) {
                List<List<Integer>> served = run.getList("epochs[0].tasks." + f.getAttribute("data-task") + ".confusion");
                List<List<Integer>> shown = new ArrayList<>();
                for (WebElement tr : f.findElements(By.cssSelector("tbody tr"))) {
                    shown.add(tr.findElements(By.tagName("td")).stream().map(td -> Integer.parseInt(td.getText())).toList());
                }
                assertThat(shown).isEqualTo(served);
                // class names in full (they wrap, they are never cut): each tells its class apart
                List<String> classes = run.getList("epochs[0].tasks." + f.getAttribute("data-task") + ".classes", String.class);
                List<WebElement> heads = f.findElements(By.cssSelector("thead th[title]"));
                assertThat(heads).extracting(h -> h.getText().replaceAll("\\s+", " ")).containsExactlyElementsOf(classes);
                assertThat(heads).allMatch(h -> ((Number) js.executeScript("return arguments[0].scrollWidth - arguments[0].clientWidth", h))
                        .intValue() <= 0, "not cut");
            }
            // a long name shares its column's width by wrapping, not by an ellipsis that hides what tells it apart
            Object cut = js.executeScript("""
                    const th = document.querySelector('#confusion thead th[title]');
                    const keep = th.textContent; th.textContent = 'checkered hexagon outline';
                    const result = [th.scrollWidth - th.clientWidth, th.innerText.split(/\\s+/).length];
                    th.textContent = keep; return result;""");
            assertThat((List<?>) cut).extracting(n -> ((Number) n).intValue()).satisfies(r -> {
                assertThat(r.get(0)).as("overflow").isLessThanOrEqualTo(0);
                assertThat(r.get(1)).as("words shown").isEqualTo(3);
            });

            Path shot = Path.of("target/dashboard.png");
            Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), shot, StandardCopyOption.REPLACE_EXISTING);
            System.out.println("DashboardTest: screenshot of the populated dashboard in " + shot.toAbsolutePath());

            // live: a new report shows up in the runs table and the loss chart without reloading the page
            js.executeScript("window.notReloaded = true");
            String s1 = runId("coop-mt", 1);
            sendProgress(step(s1, "coop-mt", 7, 0.123));
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> assertThat(driver.findElement(
                    By.cssSelector("#runs tr[data-run='" + s1 + "']")).getText()).contains("0.1230"));
            await().atMost(Duration.ofSeconds(10)).until(() -> Boolean.TRUE.equals(js.executeScript(
                    "return !!Chart.getChart('loss-chart')")));
            assertThat(js.executeScript("return window.notReloaded === true")).isEqualTo(true);
            assertThat(chartCurves(js)).isEqualTo(servedCurves(given().get("/experiments/{id}/progress", EXPERIMENT)
                    .then().extract().jsonPath().using(DOUBLES)));

            // choosing another run shows its confusion matrices
            String other = runId("zero-shot", 1);
            new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("run-select"))).selectByValue(other);
            await().atMost(Duration.ofSeconds(15)).ignoreExceptions().untilAsserted(() -> assertThat(
                    driver.findElement(By.id("run-select")).getAttribute("value")).isEqualTo(other));
            assertThat(driver.getCurrentUrl()).contains("run=" + other);
        } finally {
            driver.quit();
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    private static String text(Map<String, Object> cell) {
        double mean = ((Number) cell.get("mean")).doubleValue();
        double std = ((Number) cell.get("std")).doubleValue();
        int n = ((Number) cell.get("n")).intValue();
        String m = String.format(Locale.ROOT, "%.2f", 100 * mean);
        return n > 1 ? m + " ± " + String.format(Locale.ROOT, "%.2f", 100 * std) : m;
    }

    @SuppressWarnings("unchecked")
    private static List<List<List<Double>>> chartCurves(JavascriptExecutor js) {
        List<List<List<Number>>> raw = (List<List<List<Number>>>) js.executeScript(
                "return Chart.getChart('loss-chart').data.datasets.filter(d => !d.guide).map(d => d.data.map(p => [p.x, p.y]))");
        return raw.stream().map(c -> c.stream().map(p -> p.stream().map(Number::doubleValue).toList()).toList()).toList();
    }

    /** The served curves as the chart draws them: per task (a run's summed loss divided by its tasks). */
    private static List<List<List<Double>>> servedCurves(JsonPath progress) {
        List<Map<String, Object>> curves = progress.getList("curves");
        return curves.stream().map(c -> {
            int tasks = ((Number) c.get("tasks")).intValue();
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> points = (List<Map<String, Object>>) c.get("points");
            return points.stream().map(p -> List.of(((Number) p.get("step")).doubleValue(),
                    ((Number) p.get("loss")).doubleValue() / tasks)).toList();
        }).toList();
    }
}
