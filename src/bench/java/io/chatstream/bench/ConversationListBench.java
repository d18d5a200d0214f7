package io.chatstream.bench;

import org.HdrHistogram.Histogram;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * The list of a person with many conversations: seeds {@code --conversations} (default 10,000) of one owner over
 * HTTP, then times {@code GET /api/conversations} (the first page, 20 conversations) {@code --requests} times
 * (default 1,000) one after another, after as many unmeasured ones, and reports the percentiles. Loopback only.
 *
 * <pre>
 * java -cp ... io.chatstream.bench.ConversationListBench --port=8080 --conversations=10000 --requests=1000 \
 *     --target-p99-ms=20
 * </pre>
 *
 * Exit status: 0 when every request was a 200 and the target (if given) was met, 1 otherwise.
 */
public final class ConversationListBench {

    private ConversationListBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            opts.put(eq < 0 ? a.substring(2) : a.substring(2, eq), eq < 0 ? "true" : a.substring(eq + 1));
        }
        String host = opts.getOrDefault("host", "127.0.0.1");
        if (!InetAddress.getByName(host).isLoopbackAddress()) {
            System.err.println("--host must be a loopback address");
            System.exit(2);
        }
        String base = "http://" + host + ":" + opts.getOrDefault("port", "8080") + opts.getOrDefault("context", "");
        int conversations = Integer.parseInt(opts.getOrDefault("conversations", "10000"));
        int requests = Integer.parseInt(opts.getOrDefault("requests", "1000"));
        String label = opts.getOrDefault("label", "list");
        byte[] bits = new byte[16];
        new SecureRandom().nextBytes(bits);
        String cookie = "chat_owner=" + Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

        long t0 = System.nanoTime();
        Semaphore slots = new Semaphore(8);
        List<CompletableFuture<?>> all = new ArrayList<>(conversations);
        for (int i = 0; i < conversations; i++) {
            slots.acquire();
            HttpRequest create = HttpRequest.newBuilder(URI.create(base + "/api/conversations"))
                    .header("Cookie", cookie).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"seeded " + i + "\"}")).build();
            all.add(http.sendAsync(create, HttpResponse.BodyHandlers.discarding()).thenAccept(r -> {
                if (r.statusCode() != 201) {
                    throw new IllegalStateException("POST /api/conversations: " + r.statusCode());
                }
            }).whenComplete((v, e) -> slots.release()));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        System.out.printf(Locale.ROOT, "seeded       %,d conversations of one owner in %.1f s%n", conversations,
                (System.nanoTime() - t0) / 1e9);

        HttpRequest list = HttpRequest.newBuilder(URI.create(base + "/api/conversations")).header("Cookie", cookie)
                .timeout(Duration.ofSeconds(10)).build();
        int failed = 0;
        for (int i = 0; i < requests; i++) { // warm-up: the JIT, the store's pool, the database's caches
            failed += http.send(list, HttpResponse.BodyHandlers.ofString()).statusCode() == 200 ? 0 : 1;
        }
        Histogram h = new Histogram(3_600_000_000L, 3);
        int entries = 0;
        for (int i = 0; i < requests; i++) {
            long start = System.nanoTime();
            HttpResponse<String> r = http.send(list, HttpResponse.BodyHandlers.ofString());
            h.recordValue((System.nanoTime() - start) / 1000);
            if (r.statusCode() != 200) {
                failed++;
            }
            entries = r.body().split("\"title\"", -1).length - 1;
        }
        double p99 = h.getValueAtPercentile(99) / 1000.0;
        System.out.printf(Locale.ROOT, "first page   %d conversations; %,d requests, %d failed: p50 %.2f ms, p99 %.2f ms,"
                        + " p99.9 %.2f ms, max %.2f ms%n", entries, requests, failed,
                h.getValueAtPercentile(50) / 1000.0, p99, h.getValueAtPercentile(99.9) / 1000.0,
                h.getMaxValue() / 1000.0);
        boolean pass = failed == 0 && entries > 0;
        String target = opts.get("target-p99-ms");
        if (target != null) {
            boolean met = p99 <= Double.parseDouble(target);
            System.out.printf(Locale.ROOT, "target       first page p99 <= %s ms: %s (%.2f)%n", target,
                    met ? "PASS" : "FAIL", p99);
            pass &= met;
        }
        System.out.printf(Locale.ROOT, "RESULT label=%s list_p50_ms=%.2f list_p99_ms=%.2f failed=%d%n", label,
                h.getValueAtPercentile(50) / 1000.0, p99, failed);
        System.exit(pass ? 0 : 1);
    }
}
