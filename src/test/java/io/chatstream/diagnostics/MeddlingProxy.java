package io.chatstream.diagnostics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * A reverse proxy for tests that does what badly configured proxies do to event streams: {@link Mode#BUFFER}
 * passes a response on only once it has ended; {@link Mode#CUT} passes bytes on as they come but closes a
 * connection on which nothing came for {@code idleMillis}. One thread per connection; requests without a body.
 */
final class MeddlingProxy implements AutoCloseable {

    enum Mode { BUFFER, CUT }

    private final ServerSocket server;
    private final int upstreamPort;
    private final Mode mode;
    private final int idleMillis;

    MeddlingProxy(int upstreamPort, Mode mode, int idleMillis) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.upstreamPort = upstreamPort;
        this.mode = mode;
        this.idleMillis = idleMillis;
        Thread acceptor = new Thread(this::acceptLoop, "proxy-" + mode);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + path);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread t = new Thread(() -> relay(client), "proxy-connection");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void relay(Socket client) {
        try (client; Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            String head = readHead(client.getInputStream());
            // one request per connection, so a response ends when the upstream closes
            String forwarded = head.replaceAll("(?im)^(connection|keep-alive):.*\\r\\n", "")
                    .replaceFirst("\\r\\n\\r\\n$", "\r\nConnection: close\r\n\r\n");
            upstream.getOutputStream().write(forwarded.getBytes(StandardCharsets.ISO_8859_1));
            upstream.getOutputStream().flush();
            InputStream in = upstream.getInputStream();
            OutputStream out = client.getOutputStream();
            byte[] buf = new byte[8192];
            if (mode == Mode.BUFFER) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (int n; (n = in.read(buf)) >= 0; ) {
                    all.write(buf, 0, n);
                }
                all.writeTo(out);
            } else {
                upstream.setSoTimeout(idleMillis);
                try {
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (SocketTimeoutException e) {
                    client.setSoLinger(true, 0); // cut: the connection just drops
                }
            }
            out.flush();
        } catch (IOException e) {
            // a side went away; so does the other
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("request ended early");
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
