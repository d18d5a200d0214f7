package io.chatstream.security;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Everything logged while it is open, at every level: {@code java.util.logging} (where {@link System.Logger} goes
 * when no other provider is installed) with messages, parameters and whole stack traces, and whatever is printed to
 * {@code System.out} and {@code System.err} (Jetty's own log). Restores everything on close.
 */
final class LogCapture implements AutoCloseable {

    private final List<String> records = new ArrayList<>();
    private final Logger root = Logger.getLogger("");
    private final Logger app = Logger.getLogger("io.chatstream");
    private final Level appLevel = app.getLevel();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            StringBuilder b = new StringBuilder().append(r.getLevel()).append(' ').append(r.getLoggerName())
                    .append(": ").append(r.getMessage());
            if (r.getParameters() != null) {
                for (Object p : r.getParameters()) {
                    b.append(" | ").append(p);
                }
            }
            if (r.getThrown() != null) {
                StringWriter trace = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(trace));
                b.append('\n').append(trace);
            }
            synchronized (records) {
                records.add(b.toString());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final PrintStream out = System.out;
    private final PrintStream err = System.err;
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    LogCapture() {
        handler.setLevel(Level.ALL);
        root.addHandler(handler);
        app.setLevel(Level.ALL);
        System.setOut(new PrintStream(tee(out), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(tee(err), true, StandardCharsets.UTF_8));
    }

    private OutputStream tee(PrintStream original) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                original.write(b);
                synchronized (printed) {
                    printed.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                original.write(b, off, len);
                synchronized (printed) {
                    printed.write(b, off, len);
                }
            }
        };
    }

    /** Every record and everything printed so far, as one text. */
    String all() {
        StringBuilder b = new StringBuilder();
        synchronized (records) {
            records.forEach(r -> b.append(r).append('\n'));
        }
        synchronized (printed) {
            b.append(printed.toString(StandardCharsets.UTF_8));
        }
        return b.toString();
    }

    /** The number of records so far. */
    int records() {
        synchronized (records) {
            return records.size();
        }
    }

    @Override
    public void close() {
        root.removeHandler(handler);
        app.setLevel(appLevel);
        System.setOut(out);
        System.setErr(err);
    }
}
