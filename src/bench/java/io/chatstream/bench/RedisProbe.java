package io.chatstream.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * What the benchmark asks a loopback redis-server, after the load (never during it): {@code INFO memory}'s
 * {@code used_memory} and {@code MEMORY USAGE} of a key. A blocking socket speaking RESP, one command at a time:
 * the client's own dependency on Lettuce would measure nothing more.
 */
final class RedisProbe implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    RedisProbe(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(10_000);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream());
    }

    /** {@code used_memory} of {@code INFO memory}: what Redis's allocator holds for data and its own structures. */
    long usedMemory() throws IOException {
        String info = (String) command("INFO", "memory");
        for (String line : info.split("\r\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()).trim());
            }
        }
        throw new IOException("INFO memory without used_memory");
    }

    /** {@code MEMORY USAGE key SAMPLES 0} (every element counted), 0 when there is no such key. */
    long memoryUsage(String key) throws IOException {
        Object r = command("MEMORY", "USAGE", key, "SAMPLES", "0");
        return r == null ? 0 : (Long) r;
    }

    private Object command(String... args) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (String a : args) {
            byte[] v = a.getBytes(StandardCharsets.UTF_8);
            b.writeBytes(("$" + v.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(v);
            b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.write(b.toByteArray());
        out.flush();
        return reply();
    }

    /** One reply: a bulk string, an integer or nil; an error reply is an exception. */
    private Object reply() throws IOException {
        int type = in.read();
        String line = line();
        switch (type) {
            case '$' -> {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                byte[] v = in.readNBytes(n);
                in.readNBytes(2);
                return new String(v, StandardCharsets.UTF_8);
            }
            case ':' -> {
                return Long.parseLong(line);
            }
            case '+' -> {
                return line;
            }
            case '-' -> throw new IOException("Redis: " + line);
            default -> throw new IOException("unexpected Redis reply type " + type);
        }
    }

    private String line() throws IOException {
        StringBuilder s = new StringBuilder();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new IOException("Redis closed the connection");
            }
            s.append((char) c);
        }
        in.read(); // the LF
        return s.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
