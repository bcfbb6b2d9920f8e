package io.kapacitystack.kapacity.console;

import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.app.SandboxApp;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The predictive quick start's IHPA page in a real headless Chromium: the sandbox (manual clock) runs the sample's
 * CronJob, whose built-in {@code predict} writes a TimeSeries; the page then shows the algorithm job's last run (when,
 * how long, succeeded), the chosen model with its backtest error, and the forecast drawn as SVG against the ready
 * replicas and the Ingress traffic read from the sandbox's metrics, under the strict CSP without a browser warning.
 */
class ConsolePredictiveBrowserIT {

    private static final Instant START = Instant.parse("2024-05-01T10:00:00Z");
    private static final String CRONJOB = "predictive-sample-predictive-sample-predictive";

    @TempDir
    static Path dir;

    static Vertx vertx;
    static SandboxApp app;
    static ChromeDriverService service;
    static WebDriver browser;

    @BeforeAll
    static void start() throws Exception {
        assertTrue(ConsoleBrowserIT.CHROMIUM.canExecute() && ConsoleBrowserIT.CHROMEDRIVER.canExecute(),
                "needs Chromium: apt-get install -y --no-install-recommends chromium chromium-driver");
        vertx = Vertx.vertx();
        ManualClock clock = new ManualClock(vertx, START);
        SandboxApp.Settings s = new SandboxApp.Settings();
        s.port = 0;
        s.grpcPort = 0;
        s.clock = clock;
        s.kubeconfig = dir.resolve("kubeconfig");
        app = SandboxApp.start(vertx, s).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        app.loadSamples(vertx, List.of("predictive")).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        var client = app.cluster().client();
        Await.until("the portrait's CronJob", Duration.ofSeconds(30), () -> client.batch().v1().cronjobs()
                .inNamespace(SandboxApp.ALGORITHM_JOB_NAMESPACE).withName(CRONJOB).get() != null);
        // "0/30 * * * *": the job starts at 10:30 on the sandbox clock, its pod 5 s later
        clock.advance(Duration.ofMinutes(30).plusSeconds(1));
        app.cluster().resync();
        Await.until("the job's pod", () -> !client.pods().inNamespace(SandboxApp.ALGORITHM_JOB_NAMESPACE).list().getItems().isEmpty());
        clock.advance(Duration.ofSeconds(6));
        app.cluster().resync();
        Await.until("the portrait holds the built-in job's TimeSeries", Duration.ofSeconds(60), () -> {
            HorizontalPortrait hp = client.resources(HorizontalPortrait.class).inNamespace("predictive-sample")
                    .withName("predictive-sample-predictive").get();
            return hp.getStatus() != null && hp.getStatus().portraitData != null
                    && hp.getStatus().portraitData.type == HorizontalPortraitStatus.PortraitData.Type.TimeSeries;
        });
        // the job's completion reaches the CronJob's status, and the console's cache of it
        Await.until("the CronJob's last success, as the console reads it", Duration.ofSeconds(60), () -> {
            app.cluster().resync();
            CronJob job = app.manager().algorithmCronJobs().get(new ObjectKey(SandboxApp.ALGORITHM_JOB_NAMESPACE, CRONJOB));
            return job != null && job.getStatus() != null && job.getStatus().getLastSuccessfulTime() != null;
        });

        service = new ChromeDriverService.Builder().usingDriverExecutable(ConsoleBrowserIT.CHROMEDRIVER).usingAnyFreePort().build();
        ChromeOptions o = new ChromeOptions();
        o.setBinary(ConsoleBrowserIT.CHROMIUM);
        o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1300,2000");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        o.setCapability("goog:loggingPrefs", logs);
        browser = new ChromeDriver(service, o);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60)).scriptTimeout(Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (service != null) {
            service.stop();
        }
        if (app != null) {
            app.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theIhpaPageShowsTheJobsLastRunItsModelAndTheForecastAgainstWhatHappened() throws Exception {
        browser.get("http://127.0.0.1:" + app.httpPort() + "/ihpa/predictive-sample/predictive-sample");
        WebElement job = browser.findElement(By.cssSelector(".algorithm-job"));
        String lastRun = job.findElement(By.cssSelector(".last-run")).getText();
        assertTrue(lastRun.contains("started 2024-05-01T10:30:00Z") && lastRun.contains("succeeded"), lastRun);
        assertTrue(lastRun.matches("(?s).*took \\d+ s.*"), lastRun);
        assertTrue(job.findElement(By.cssSelector(".job-model")).getText().contains("qps="), job.getText());
        assertTrue(job.findElement(By.cssSelector(".job-backtest")).getText().matches("MAPE qps=[0-9.]+%.*naive baseline qps=.*"),
                job.getText());
        assertTrue(job.findElement(By.cssSelector(".job-result")).getText().contains("PortraitGenerated=True"), job.getText());

        // loaded by htmx once the page is up: the forecast, the ready replicas and the Ingress traffic, drawn as SVG
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> !d.findElements(By.cssSelector("svg.forecast-chart polyline.forecast")).isEmpty());
        WebElement figure = browser.findElement(By.cssSelector("figure.forecast-figure"));
        assertFalse(figure.findElements(By.cssSelector("svg.forecast-chart polyline.actual")).isEmpty(), figure.getText());
        assertFalse(figure.findElements(By.cssSelector("svg.forecast-chart polyline.traffic-0")).isEmpty(), figure.getText());
        assertTrue(figure.getText().contains("traffic qps"), figure.getText());
        assertTrue(figure.findElements(By.cssSelector(".forecast-note")).isEmpty(), "nothing failed: " + figure.getText());
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.createDirectories(Path.of("target"));
        Files.copy(shot.toPath(), Path.of("target", "console-predictive.png"), StandardCopyOption.REPLACE_EXISTING);
        for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
            assertFalse(e.getLevel().intValue() >= Level.WARNING.intValue(), "browser console: " + e);
        }
    }
}
