package io.chatstream.bench;

import io.chatstream.cluster.RoundRobinProxy;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The drop and resume of the cluster scenario (S5): each stream closed by the client mid-reply and read on through
 * {@code Last-Event-ID} on a new connection of the next lane must complete with every event once and in order; and
 * the same load fails when the next lane is a server that does not know the stream, so the check can fail.
 */
class LoadClientResumeTest {

    private static final Map<String, String> SERVER = Map.of("chat.demo.tokens-per-second", "200",
            "chat.demo.reply-tokens", "40", "chat.limits.max-streams-per-client", "100", "chat.store.url", "off");

    private static Map<String, String> load(String label, RoundRobinProxy first, RoundRobinProxy second) {
        Map<String, String> opts = new HashMap<>(Map.of("label", label, "port", Integer.toString(first.port()),
                "path", "/api/chat", "streams", "20", "ramp", "0.2", "reply-tokens", "40", "timeout", "30"));
        opts.put("lanes", first.port() + "," + second.port());
        opts.put("drop-after", "20");
        return opts;
    }

    @Test
    void everyStreamResumedOnTheNextLaneIsComplete() throws Exception {
        try (TestServer server = TestServer.start(SERVER);
             RoundRobinProxy a = new RoundRobinProxy(List.of(server.port()));
             RoundRobinProxy b = new RoundRobinProxy(List.of(server.port()))) {
            assertTrue(LoadClient.run(load("resume", a, b)), "a stream failed (see the report above)");
            // stream i opens on lane i mod 2 and resumes on the other: each lane got 10 first and 10 resumes
            assertTrue(a.connections(0) == 20 && b.connections(0) == 20,
                    "connections " + a.connections(0) + " and " + b.connections(0));
        }
    }

    @Test
    void aResumeOnAServerThatDoesNotKnowTheStreamFails() throws Exception {
        try (TestServer one = TestServer.start(SERVER);
             TestServer other = TestServer.start(SERVER);
             RoundRobinProxy a = new RoundRobinProxy(List.of(one.port()));
             RoundRobinProxy b = new RoundRobinProxy(List.of(other.port()))) {
            assertFalse(LoadClient.run(load("resume-elsewhere", a, b)), "a resume on a stranger was accepted");
        }
    }
}
