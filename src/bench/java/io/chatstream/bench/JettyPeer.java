package io.chatstream.bench;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A peer to compare the chat server with: the event stream as a plain Jetty 12 async servlet is commonly written.
 * Per request {@code startAsync}, then a timer per stream on a {@link ScheduledExecutorService}
 * ({@code scheduleAtFixedRate}, one thread per core) that writes the next frame and flushes it: no event log, no
 * resume, no batching, no minimum interval between writes. The frames are the chat server's for a demo reply of
 * {@code --reply-tokens} tokens at {@code --tokens-per-second} ({@code retry:}, {@code start}, the chunks,
 * {@code end}), so the load client checks and measures it as it does the chat server. The connector is the dev
 * server's (one acceptor, one selector, {@code QueuedThreadPool(32, 4)}, accept queue 4096); output aggregation is
 * Jetty's default, since a servlet that flushes every event does not care.
 *
 * <pre>
 * java -cp ... io.chatstream.bench.JettyPeer --port=8090 --tokens-per-second=20 --reply-tokens=200
 * </pre>
 */
public final class JettyPeer {

    private JettyPeer() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (!a.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("options are --name=value, not " + a);
            }
            o.put(a.substring(2, eq), a.substring(eq + 1));
        }
        int port = Integer.parseInt(o.getOrDefault("port", "8090"));
        double tps = Double.parseDouble(o.getOrDefault("tokens-per-second", "20"));
        int tokens = Integer.parseInt(o.getOrDefault("reply-tokens", "200"));
        int timerThreads = Integer.parseInt(o.getOrDefault("threads",
                String.valueOf(Runtime.getRuntime().availableProcessors())));

        QueuedThreadPool threads = new QueuedThreadPool(32, 4);
        threads.setName("jetty");
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(new HttpConfiguration()));
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setIdleTimeout(300_000);
        connector.setAcceptQueueSize(4096);
        server.addConnector(connector);
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(timerThreads);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(new ServletHolder(new StreamServlet(timers, (long) (1e9 / tps), tokens)), "/api/chat");
        server.setHandler(context);
        server.start();
        System.out.println("Jetty peer on http://localhost:" + connector.getLocalPort() + "/");
        server.join();
    }

    /** GET or POST /api/chat: one demo reply as an event stream. */
    private static final class StreamServlet extends HttpServlet {
        private final ScheduledExecutorService timers;
        private final long periodNanos;
        private final int tokens;
        private final AtomicLong ids = new AtomicLong();

        StreamServlet(ScheduledExecutorService timers, long periodNanos, int tokens) {
            this.timers = timers;
            this.periodNanos = periodNanos;
            this.tokens = tokens;
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            stream(req, resp);
        }

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            req.getInputStream().readAllBytes(); // the body is not looked at
            stream(req, resp);
        }

        private void stream(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String id = "p" + ids.incrementAndGet();
            resp.setContentType("text/event-stream;charset=UTF-8");
            resp.setHeader("Cache-Control", "no-cache, no-transform");
            resp.setHeader("X-Accel-Buffering", "no");
            resp.setHeader("X-Stream-Id", id);
            AsyncContext async = req.startAsync();
            async.setTimeout(0);
            ServletOutputStream out = resp.getOutputStream();
            out.write(("retry: 3000\n\n" + frame(id, 1, "{\"type\":\"start\",\"stream_id\":\"" + id
                    + "\",\"model\":\"demo\"}")).getBytes(StandardCharsets.UTF_8));
            out.flush();
            new Reply(id, async, out).start();
        }

        private static String frame(String id, int seq, String json) {
            return "id: " + id + ":" + seq + "\ndata: " + json + "\n\n";
        }

        /** One stream's timer: the next event each period, written and flushed on the timer's thread. */
        private final class Reply implements Runnable {
            private final String id;
            private final AsyncContext async;
            private final ServletOutputStream out;
            private int seq = 1;
            private ScheduledFuture<?> timer;

            Reply(String id, AsyncContext async, ServletOutputStream out) {
                this.id = id;
                this.async = async;
                this.out = out;
            }

            synchronized void start() {
                timer = timers.scheduleAtFixedRate(this, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public synchronized void run() {
                int s = ++seq;
                boolean last = s > tokens + 1;
                String json = last
                        ? "{\"type\":\"end\",\"finish_reason\":\"stop\",\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":"
                        + tokens + "}}"
                        : "{\"type\":\"chunk\",\"content\":\"word \"}";
                try {
                    out.write(frame(id, s, json).getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } catch (IOException | RuntimeException e) {
                    last = true; // the client left
                }
                if (last) {
                    timer.cancel(false);
                    async.complete();
                }
            }
        }
    }
}
