package io.chatstream.page;

import io.chatstream.testing.SseParser;
import io.chatstream.testing.TestServer;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** Server-side views for the page's tests: the running application, and a stream as the API replays it. */
final class PageTesting {

    private PageTesting() {
    }

    /** How many streams the server holds, running or retained: how many generations were started. */
    static int streamsHeld(TestServer server) {
        return server.app().registry().size();
    }

    /** {@code GET /api/chat/streams/{id}} from the first event: the whole stream, parsed. */
    static List<SseParser.Frame> replay(TestServer server, String streamId) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(server.uri("/api/chat/streams/" + streamId))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new AssertionError("replay of " + streamId + ": HTTP " + response.statusCode());
        }
        SseParser parser = new SseParser();
        parser.feed(response.body());
        return parser.frames().stream().filter(SseParser.Frame::isEvent).toList();
    }
}
