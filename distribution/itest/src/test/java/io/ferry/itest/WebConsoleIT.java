package io.ferry.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.HasAuthentication;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.UsernameAndPassword;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The Web Console's Ferry page in a real headless Chromium, on a {@code bin/ferry shell} process
 * that migrates to a second one: what the page shows before, while and after a migration, and
 * its migrate and cancel buttons. Skips (with the reason) where Debian's chromium and
 * chromium-driver are not installed; {@code .ci/run} installs them.
 */
class WebConsoleIT {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String DEVICES = "its,vhost-net";

    private final Path home = Path.of(System.getProperty("ferry.home"));
    private Path profile;
    private WebDriver browser;

    @BeforeEach
    void startBrowser() throws IOException {
        Assumptions.assumeTrue(
                Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "the Web Console browser test needs Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver");
        profile = Files.createTempDirectory("ferry-chromium");
        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM.toFile())
                .addArguments(
                        "--headless=new",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-quic",
                        "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--window-size=1280,1600",
                        "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
        ((HasAuthentication) browser)
                .register(() -> new UsernameAndPassword("admin", "admin")); // the Web Console's default
    }

    @AfterEach
    void stopBrowser() throws IOException {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void thePageShowsTheMachineAndALiveMigrationAndItsButtonsMigrateAndCancel() throws Exception {
        int port = freePort();
        try (ShellProcess destination = ShellProcess.start(home, "destination");
                ShellProcess source = ShellProcess.start(home, "source", port)) {
            destination.send("ferry:machine --incoming --ram 256M --devices " + DEVICES);
            String uri = listen(destination);
            source.send("ferry:machine --ram 256M --devices " + DEVICES
                    + " --rate 2000"); // dirties less than it sends: converges
            source.await("machine local: RUNNING", WAIT);
            source.send("ferry:set-parameter max-bandwidth 12M"); // about 80 MiB of data: seconds to watch it run

            String page = "http://127.0.0.1:" + port + "/system/console/ferry";
            HttpResponse<String> anonymous = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(page + "/status.json"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode())
                    .as("the Web Console's authentication guards the page")
                    .isEqualTo(401);

            browser.get(page);
            awaitText("ferry-machine", "RUNNING");
            assertThat(text("ferry-machine"))
                    .contains("local")
                    .contains("256.0 MiB")
                    .contains("its0")
                    .contains("vhost-net");
            assertThat(text("ferry-plugins"))
                    .contains("ram")
                    .contains("ferry-its-plugin")
                    .contains("vhost-net");
            assertThat(text("ferry-handlers"))
                    .contains("COMPLETE 1000 BEFORE_RAM its.flush")
                    .contains("ram.final");
            assertThat(text("ferry-status")).isEqualTo("no migration yet");

            // migrate, then cancel from the page: the source runs on, nothing lost
            migrateTo(uri);
            awaitText("ferry-status", "SOURCE ACTIVE");
            browser.findElement(By.id("ferry-cancel")).click();
            awaitText("ferry-message", "cancelling: the machine resumes here");
            awaitText("ferry-status", "SOURCE CANCELLED");
            awaitText("ferry-machine", "RUNNING");

            // migrate again, and watch it run to the end
            uri = listen(destination);
            migrateTo(uri);
            awaitText("ferry-status", "SOURCE ACTIVE");
            await(
                    () -> rows("ferry-passes") >= 3 && percent() > 0 && percent() < 100,
                    "passes and a partial progress bar");
            int passesWhileRunning = rows("ferry-passes");
            Path shot = Path.of("target", "webconsole-migration.png");
            Files.copy(
                    ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(),
                    shot,
                    StandardCopyOption.REPLACE_EXISTING);
            assertThat(shot).isNotEmptyFile();

            awaitText("ferry-status", "SOURCE COMPLETED");
            awaitText("ferry-machine", "POSTMIGRATE");
            assertThat(percent()).isEqualTo(100);
            assertThat(rows("ferry-passes")).isGreaterThanOrEqualTo(passesWhileRunning);
            assertThat(text("ferry-passes")).contains("ram");
            String figures = text("ferry-figures");
            assertThat(figures)
                    .contains("status COMPLETED")
                    .containsPattern("downtimeMillis \\d+")
                    .containsPattern("transferredBytes [1-9]\\d*");
            // the last migration's switchover, from the source's stop to the destination running
            awaitText("ferry-breakdown", "DESTINATION running");
            assertThat(text("ferry-breakdown"))
                    .contains("SOURCE stop-requested")
                    .contains("DESTINATION running")
                    .containsPattern("downtime \\(end to end\\) \\d+\\.\\d 1 attempt\\(s\\)");

            source.send("ferry:info");
            source.await("source migration: COMPLETED", WAIT);
        }
    }

    private String listen(ShellProcess destination) throws InterruptedException, IOException {
        destination.send("ferry:incoming tcp:127.0.0.1:0");
        return destination.await("waiting for a migration on (tcp:\\S+)", WAIT).group(1);
    }

    private void migrateTo(String uri) {
        browser.findElement(By.id("ferry-uri")).clear();
        browser.findElement(By.id("ferry-uri")).sendKeys(uri);
        browser.findElement(By.id("ferry-migrate")).click();
    }

    private String text(String id) {
        return browser.findElement(By.id(id))
                .getText()
                .replace('\n', ' ')
                .replaceAll("\\s+", " ")
                .strip();
    }

    private int rows(String id) {
        List<?> rows = browser.findElements(By.cssSelector("#" + id + " tr"));
        return rows.size();
    }

    private int percent() {
        return Integer.parseInt(text("ferry-percent"));
    }

    private void awaitText(String id, String expected) {
        await(() -> text(id).contains(expected), "#" + id + " to show '" + expected + "'");
    }

    private void await(java.util.function.BooleanSupplier condition, String what) {
        try {
            new WebDriverWait(browser, WAIT).withMessage(what).until(d -> condition.getAsBoolean());
        } catch (RuntimeException e) {
            throw new AssertionError(
                    what + "; the page shows: "
                            + browser.findElement(By.id("ferry")).getText(),
                    e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
