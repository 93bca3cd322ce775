package org.entente.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.apache.curator.test.TestingServer;
import org.entente.cli.Cli;
import org.entente.cli.TestFederation;
import org.entente.cli.TestZooKeeper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard end to end in a real headless Chromium (Debian's chromium and chromedriver): a demo
 * federation (DE, FR, JP, one placeholder agent each) serves it on loopback; the page shows the
 * three nations, and a job submitted through the client appears on it with its shards' nodes, runs
 * to the end, and its receipts draw the contribution chart. A screenshot is kept under {@code
 * target/dashboard-screenshots/}.
 */
class DashboardBrowserTest {
  private static final Path SCREENSHOTS = Path.of("target", "dashboard-screenshots");
  private static final Duration WAIT = Duration.ofSeconds(40);

  @TempDir static Path dir;
  private static TestingServer zk;
  private static LocalFederation fed;
  private static ChromeDriverService service;
  private static WebDriver browser;

  @BeforeAll
  static void start() throws Exception {
    // A prerequisite, not something to skip: README's "Two commands" names it.
    assertThat(Path.of("/usr/bin/chromium"))
        .as("Debian's Chromium; install it with: sudo apt-get install chromium chromium-driver")
        .isExecutable();
    assertThat(Path.of("/usr/bin/chromedriver"))
        .as("Debian's chromedriver; install it with: sudo apt-get install chromium chromium-driver")
        .isExecutable();
    zk = TestZooKeeper.start();
    fed = TestFederation.start(zk.getConnectString(), "/entente", dir.resolve("ids"));
    service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File("/usr/bin/chromedriver"))
            .usingAnyFreePort()
            .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1900",
        "--user-data-dir=" + Files.createTempDirectory(dir, "chromium"));
    browser = new ChromeDriver(service, options);
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (service != null) {
      service.stop();
    }
    if (fed != null) {
      fed.close();
    }
    if (zk != null) {
      zk.close();
    }
  }

  /** A wait with a deadline; the page redraws every 2 s, so an element read may go stale. */
  private static WebDriverWait waiting() {
    WebDriverWait w = new WebDriverWait(browser, WAIT, Duration.ofMillis(100));
    w.ignoring(StaleElementReferenceException.class);
    return w;
  }

  /** The text of the first element {@code by} finds, or null while there is none. */
  private static String text(WebDriver d, By by) {
    List<WebElement> found = d.findElements(by);
    return found.isEmpty() ? null : found.get(0).getText();
  }

  /** The text of the first element {@code by} finds, once there is one. */
  private static String awaitText(By by) {
    return waiting().until(d -> text(d, by));
  }

  private static List<String> nations(WebDriver d) {
    return d.findElements(By.cssSelector("#nations .nation")).stream()
        .map(e -> e.getAttribute("data-nation"))
        .toList();
  }

  @Test
  void page_showsTheThreeNationsWithTheirNodes() {
    browser.get(fed.dashboardUrl("DE"));

    List<String> shown = waiting().until(d -> nations(d).size() == 3 ? nations(d) : null);

    assertThat(shown).containsExactly("DE", "FR", "JP");
    assertThat(browser.getTitle()).isEqualTo("Entente dashboard");
    for (String n : List.of("DE", "FR", "JP")) {
      String node = awaitText(By.cssSelector("#nations tr[data-node='" + n + "/gpu-01']"));
      assertThat(node).contains("gpu-01").contains("ACTIVE");
    }
    assertThat(awaitText(By.id("status"))).isEqualTo("audit ok");
    assertThat(awaitText(By.id("replica"))).startsWith("replica DE/");
  }

  @Test
  void submittedJob_appearsWithItsShards_runsToTheEnd_andDrawsTheChart() throws Exception {
    Path job =
        Files.writeString(
            dir.resolve("dash.yaml"),
            """
            name: dashboard-demo
            kind: inference
            shards: 3
            resources:
              cpus: 1
              memory: 64Mi
            placement:
              spread: true
            parameters:
              duration: 2s
            """);
    String id =
        Cli.run(
                "submit",
                job.toString(),
                "--coordinator",
                String.join(",", fed.addresses()),
                "--identity",
                dir.resolve("ids/de-operator").toString())
            .succeeded()
            .outLines()
            .get(0);
    browser.get(fed.dashboardUrl("FR"));
    By row = By.cssSelector("#jobs tr[data-job='" + id + "']");

    String shown = awaitText(row);
    assertThat(shown).contains(id).contains("dashboard-demo").contains("DE");

    By jobState = By.cssSelector("#jobs tr[data-job='" + id + "'] td.job-state");
    waiting().until(d -> "SUCCEEDED".equals(text(d, jobState)));
    for (int i = 0; i < 3; i++) {
      By shard = By.cssSelector("#jobs tr[data-job='" + id + "'] span[data-shard='" + i + "']");
      assertThat(awaitText(shard)).matches(i + " SUCCEEDED (DE|FR|JP)/gpu-01");
    }
    // The receipts are sealed, the checkpoint cosigned, and the chart drawn from them.
    waiting()
        .until(
            d ->
                d.findElements(By.cssSelector("#chart path[data-series]")).size() >= 3
                    && "DE, FR, JP"
                        .equals(text(d, By.cssSelector("dd[data-field='cosigned by']"))));
    assertThat(awaitText(By.id("chart-title"))).startsWith("Contributed and consumed");

    Files.createDirectories(SCREENSHOTS);
    File png = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
    Files.copy(
        png.toPath(), SCREENSHOTS.resolve("overview.png"), StandardCopyOption.REPLACE_EXISTING);
    assertThat(Files.size(SCREENSHOTS.resolve("overview.png"))).isGreaterThan(10_000);
  }
}
