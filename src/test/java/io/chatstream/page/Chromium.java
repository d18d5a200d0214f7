package io.chatstream.page;

import io.chatstream.testing.Await;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NotFoundException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A headless Debian {@code chromium} driven through its own {@code chromedriver}, for the chat page's tests. Nothing
 * is downloaded: the driver's path is given, so Selenium Manager never runs.
 *
 * <p>Starting a browser costs seconds of CPU, so the browsers of one test JVM are kept: {@link #close()} hands the
 * browser back, wiped as a fresh profile would be (no page, cookie, storage, cache, permission, extra header or
 * emulated screen; the window at the size asked for), and the next {@link #start} takes it. A browser whose wipe
 * fails is ended instead; all are ended when the JVM exits. Tests of one class that need several browsers at once
 * get several.
 *
 * <p>Where the browser is not installed the tests are skipped (an assumption), unless
 * {@code CHAT_REQUIRE_BROWSER=1} (set by {@code .ci/run}) or {@code CI=true}, which make a missing browser a
 * failure.
 */
final class Chromium implements AutoCloseable {

    static final Path BROWSER = Path.of(System.getProperty("chat.test.chromium", "/usr/bin/chromium"));
    static final Path DRIVER = Path.of(System.getProperty("chat.test.chromedriver", "/usr/bin/chromedriver"));
    static final Duration WAIT = Duration.ofSeconds(15);
    private static final Pattern ORIGIN = Pattern.compile("^https?://[^/?#]+");

    /** Browsers handed back and wiped, ready for the next test. */
    private static final Deque<Chromium> IDLE = new ArrayDeque<>();
    /** Every browser this JVM started, ended by a shutdown hook. */
    private static final List<Chromium> ALL = new ArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Chromium::quitAll, "chromium-quit"));
    }

    final ChromeDriver driver;
    private final Path profile;
    private boolean leased;

    private Chromium(int width, int height) throws IOException {
        profile = Files.createTempDirectory("chat-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--no-default-browser-check", "--disable-extensions",
                "--disable-features=Translate,OptimizationHints,MediaRouter,IsolateOrigins,site-per-process",
                // one renderer process for all the browser's pages and frames: no process is started and ended at
                // each navigation between sites (the tests' servers, about:blank): 0.3 s of CPU for a round trip
                // instead of 0.9, and a sixth less browser CPU over the page tests. What the tests check
                // (same-origin rules, CSP, frames, storage) is enforced inside the renderer either way
                "--disable-site-isolation-trials", "--renderer-process-limit=1",
                "--user-data-dir=" + profile, "--window-size=" + width + "," + height);
        // the console of every frame, read by consoleMessages(): a Content-Security-Policy refusal is reported there
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(new File(System.getProperty("java.io.tmpdir"), "chat-chromedriver.log"))
                .build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(WAIT);
    }

    /**
     * A browser with a window of this size, as fresh as a new one; skips (or fails, on CI) the test when none is
     * installed. {@link #close()} hands it back.
     */
    static Chromium start(int width, int height) throws IOException {
        requireInstalled();
        Chromium idle;
        synchronized (IDLE) {
            idle = IDLE.pollFirst();
        }
        Chromium browser = idle;
        if (browser == null) {
            browser = new Chromium(width, height);
            synchronized (IDLE) {
                ALL.add(browser);
            }
        } else if (!browser.driver.manage().window().getSize().equals(new Dimension(width, height))) {
            browser.driver.manage().window().setSize(new Dimension(width, height));
        }
        browser.leased = true;
        return browser;
    }

    static Chromium start() throws IOException {
        return start(1280, 900);
    }

    static void requireInstalled() {
        System.setProperty("SE_OFFLINE", "true");
        // chromedriver's CDP endpoint is all these tests use; the devtools client's version notice is noise
        Logger.getLogger("org.openqa.selenium.devtools").setLevel(Level.SEVERE);
        boolean installed = Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER);
        String why = "need " + BROWSER + " and " + DRIVER + " (apt-get install chromium chromium-driver)";
        if ("1".equals(System.getenv("CHAT_REQUIRE_BROWSER")) || "true".equals(System.getenv("CI"))
                || Boolean.getBoolean("chat.test.require-browser")) {
            if (!installed) {
                throw new AssertionError("The browser tests " + why);
            }
        }
        Assumptions.assumeTrue(installed, "Browser tests skipped: they " + why);
    }

    /**
     * The console messages of every frame since the last call (chromedriver hands each one out once), as
     * {@code LEVEL text}.
     */
    List<String> consoleMessages() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .map(e -> e.getLevel() + " " + e.getMessage()).toList();
    }

    /** The console messages since the last call that report a refusal by a Content-Security-Policy. */
    List<String> policyViolations() {
        return consoleMessages().stream().filter(m -> m.contains("Content Security Policy")
                || m.contains("Content-Security-Policy") || m.contains("frame-ancestors")).toList();
    }

    /**
     * The Content-Security-Policy refusals the current frame's document has seen since it loaded, as
     * {@code directive blocked-URL}. The driver's console log misses those of a frame of another origin (the embedded
     * chat), so the frame's own buffered reports are read.
     */
    @SuppressWarnings("unchecked")
    List<String> frameViolations() {
        return (List<String>) asyncJs("const done = arguments[arguments.length - 1];"
                + " const seen = [];"
                + " const o = new ReportingObserver(rs => seen.push(...rs), {types: ['csp-violation'], buffered: true});"
                + " o.observe();"
                + " setTimeout(() => { seen.push(...o.takeRecords()); o.disconnect();"
                + "   done(seen.map(r => r.body.effectiveDirective + ' ' + r.body.blockedURL)); }, 200);");
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    Object asyncJs(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeAsyncScript(script, args);
    }

    <T> T await(Function<ChromeDriver, T> condition) {
        return await(WAIT, condition);
    }

    /**
     * Waits until {@code condition} gives neither null nor false, and returns what it gave, as {@link WebDriverWait}
     * does (an element not found yet is waited for). The checks are {@link Await}'s, the tests' one polling loop:
     * each is a round trip to the browser, and a wait of seconds checks 25 times a second, not 50.
     */
    <T> T await(Duration timeout, Function<ChromeDriver, T> condition) {
        List<T> last = new ArrayList<>(Collections.singletonList(null));
        boolean held = Await.until(timeout, () -> {
            try {
                T value = condition.apply(driver);
                last.set(0, value);
                return value != null && !Boolean.FALSE.equals(value);
            } catch (NotFoundException e) {
                return false;
            }
        });
        if (!held) {
            throw new TimeoutException("Waited " + timeout.toMillis() + " ms for " + condition + "; it last gave "
                    + last.get(0));
        }
        return last.get(0);
    }

    /** Emulates the system's colour scheme (the page follows {@code prefers-color-scheme}). */
    void colorScheme(String scheme) {
        driver.executeCdpCommand("Emulation.setEmulatedMedia",
                Map.of("features", java.util.List.of(Map.of("name", "prefers-color-scheme", "value", scheme))));
    }

    /**
     * Emulates a phone's screen (headless windows cannot be narrower than 500 px): CSS width and height, at twice
     * the pixel density, with the mobile viewport rules.
     */
    void phone(int width, int height) {
        driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", width, "height", height, "deviceScaleFactor", 2, "mobile", true));
    }

    /**
     * Hands the browser back for the next test, wiped as {@link Chromium the class} says; ended instead if the wipe
     * fails. The page is left first (about:blank), so nothing it runs reaches a server stopped after this.
     */
    @Override
    public void close() throws IOException {
        if (!leased) {
            return;
        }
        leased = false;
        try {
            wipe();
        } catch (RuntimeException e) {
            quit();
            synchronized (IDLE) {
                ALL.remove(this);
            }
            return;
        }
        synchronized (IDLE) {
            IDLE.addFirst(this);
        }
    }

    /** Back to a fresh profile's state, short of a new process. */
    private void wipe() {
        Set<String> origins = visitedOrigins();
        driver.switchTo().defaultContent();
        driver.get("about:blank");
        for (String origin : origins) {
            driver.executeCdpCommand("Storage.clearDataForOrigin", Map.of("origin", origin, "storageTypes", "all"));
        }
        driver.executeCdpCommand("Network.clearBrowserCookies", Map.of());
        driver.executeCdpCommand("Network.clearBrowserCache", Map.of());
        driver.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of()));
        driver.executeCdpCommand("Browser.resetPermissions", Map.of());
        driver.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
        driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("media", "", "features", List.of()));
        driver.executeCdpCommand("Page.resetNavigationHistory", Map.of());
        driver.manage().timeouts().scriptTimeout(WAIT);
        consoleMessages();
    }

    /**
     * The http origins of every page this tab has shown since its last wipe (its history) and of the frames in the
     * page it shows now: those whose storage the wipe clears.
     */
    @SuppressWarnings("unchecked")
    private Set<String> visitedOrigins() {
        Set<String> urls = new LinkedHashSet<>();
        Map<String, Object> history = driver.executeCdpCommand("Page.getNavigationHistory", Map.of());
        for (Map<String, Object> entry : (List<Map<String, Object>>) history.get("entries")) {
            urls.add((String) entry.get("url"));
        }
        Map<String, Object> tree = driver.executeCdpCommand("Page.getFrameTree", Map.of());
        frameUrls((Map<String, Object>) tree.get("frameTree"), urls);
        Set<String> origins = new LinkedHashSet<>();
        for (String url : urls) {
            Matcher m = ORIGIN.matcher(url);
            if (m.find()) {
                origins.add(m.group());
            }
        }
        return origins;
    }

    @SuppressWarnings("unchecked")
    private static void frameUrls(Map<String, Object> node, Set<String> urls) {
        urls.add((String) ((Map<String, Object>) node.get("frame")).get("url"));
        for (Map<String, Object> child : (List<Map<String, Object>>) node.getOrDefault("childFrames", List.of())) {
            frameUrls(child, urls);
        }
    }

    private void quit() {
        try {
            driver.quit();
        } catch (RuntimeException e) {
            // already gone
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (UncheckedIOException | IOException e) {
                // a leftover temp profile is harmless
            }
        }
    }

    private static void quitAll() {
        List<Chromium> all;
        synchronized (IDLE) {
            all = new ArrayList<>(ALL);
            ALL.clear();
            IDLE.clear();
        }
        all.forEach(Chromium::quit);
    }
}
