package io.chatstream.security;

import io.chatstream.stream.ChatStream;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.SseRecorder.Event;
import io.chatstream.testing.TestServer;
import org.eclipse.jetty.ee10.servlet.security.ConstraintMapping;
import org.eclipse.jetty.ee10.servlet.security.ConstraintSecurityHandler;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.security.Constraint;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.security.authentication.BasicAuthenticator;
import org.eclipse.jetty.util.security.Password;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static io.chatstream.security.Api.assertError;
import static io.chatstream.security.Api.open;
import static io.chatstream.security.Api.post;
import static io.chatstream.security.Api.prompt;
import static io.chatstream.security.Api.send;
import static io.chatstream.security.Api.stream;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code chat.auth.mode=container} with the container's own login, as a portal sets it up: Jetty's
 * {@link ConstraintSecurityHandler} with HTTP Basic and a user store. Streams belong to the user that started them.
 */
class ContainerAuthTest {

    private static final Duration T = Duration.ofSeconds(10);
    private static final Map<String, String> SETTINGS = Map.of("chat.auth.mode", "container",
            "chat.demo.tokens-per-second", "20", "chat.stream.detach-grace-seconds", "30",
            "chat.limits.max-streams-per-client", "2");

    /** Users alice and bob; {@code constrained}: the chat API needs a login (health does not). */
    private static void portalLogin(WebAppContext webapp, boolean constrained) {
        UserStore users = new UserStore();
        users.addUser("alice", new Password("alice-secret"), new String[] {"chat"});
        users.addUser("bob", new Password("bob-secret"), new String[] {"chat"});
        HashLoginService login = new HashLoginService("portal");
        login.setUserStore(users);
        ConstraintSecurityHandler security = (ConstraintSecurityHandler) webapp.getSecurityHandler();
        security.setLoginService(login);
        security.setAuthenticator(new BasicAuthenticator());
        if (constrained) {
            ConstraintMapping chat = new ConstraintMapping();
            chat.setPathSpec("/api/chat/*");
            chat.setConstraint(Constraint.from("chat"));
            security.setConstraintMappings(List.of(chat));
        }
    }

    private static HttpRequest.Builder as(String user, HttpRequest.Builder b) {
        return b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                (user + ":" + user + "-secret").getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theContainersLoginGuardsTheApiAndEachUserSeesOnlyTheirOwnStreams() throws Exception {
        try (TestServer s = TestServer.start(SETTINGS, webapp -> portalLogin(webapp, true))) {
            assertEquals(401, send(prompt(s, "x")).statusCode(), "the container asks for a login");
            assertEquals(401, send(stream(s, "AAAAAAAAAAAAAAAAAAAAAA")).statusCode());
            assertEquals(200, send(HttpRequest.newBuilder(s.uri("/api/health"))).statusCode(), "health stays open");
            assertEquals(0, s.app().registry().running());

            String neverBody = send(as("bob", stream(s, "AAAAAAAAAAAAAAAAAAAAAA"))).body();
            try (SseRecorder alice = open(as("alice", post(s, "{\"message\":\"alice's\"}")
                    .header("Idempotency-Key", "same-key")))) {
                assertEquals(200, alice.status());
                String id = alice.header("X-Stream-Id");
                Event first = alice.nextEvent(T);
                ChatStream stream = s.app().registry().find(id);
                assertEquals("user:alice", stream.principal());

                for (HttpRequest.Builder probe : List.of(stream(s, id),
                        stream(s, id).header("Last-Event-ID", first.id()),
                        prompt(s, "x").header("Last-Event-ID", first.id()),
                        stream(s, id).DELETE())) {
                    HttpResponse<String> resp = send(as("bob", probe));
                    assertError(resp, 404, "not_found");
                    assertEquals(neverBody, resp.body(), "the same answer as for an id that never existed");
                }
                assertFalse(stream.isTerminated(), "bob's DELETE cancelled nothing");
                try (SseRecorder bob = open(as("bob", post(s, "{\"message\":\"bob's\"}")
                        .header("Idempotency-Key", "same-key")))) {
                    assertNotEquals(id, bob.header("X-Stream-Id"), "Idempotency-Key is per user");
                    send(as("bob", stream(s, bob.header("X-Stream-Id")).DELETE()));
                }
                try (SseRecorder again = open(as("alice", stream(s, id).header("Last-Event-ID", first.id())))) {
                    assertEquals(first.seq() + 1, again.nextEvent(T).seq(), "alice resumes her own stream");
                }
                assertEquals(204, send(as("alice", stream(s, id).DELETE())).statusCode());
                List<Event> rest = alice.readToEnd(T);
                assertEquals("cancelled", rest.get(rest.size() - 1).json().get("finish_reason").asText());
            }
        }
    }

    @Test
    void withoutAConstraintTheApiItselfAnswers401UntilTheUserIsKnown() throws Exception {
        try (TestServer s = TestServer.start(SETTINGS, webapp -> portalLogin(webapp, false))) {
            assertError(send(prompt(s, "x")), 401, "unauthorized");
            assertError(send(post(s, "{\"message\":\"x\"}")), 401, "unauthorized");
            assertError(send(stream(s, "AAAAAAAAAAAAAAAAAAAAAA").DELETE()), 401, "unauthorized");
            assertEquals(0, s.app().registry().running(), "nothing started without a user");
            try (SseRecorder alice = open(as("alice", prompt(s, "mine")))) {
                assertEquals(200, alice.status(), "the container's deferred login names the user");
                String id = alice.header("X-Stream-Id");
                assertEquals("user:alice", s.app().registry().find(id).principal());
                assertError(send(as("bob", stream(s, id))), 404, "not_found");
                assertError(send(stream(s, id)), 401, "unauthorized");
                send(as("alice", stream(s, id).DELETE()));
            }
        }
    }

    @Test
    void limitsCountPerUserNotPerAddress() throws Exception {
        try (TestServer s = TestServer.start(SETTINGS, webapp -> portalLogin(webapp, true));
             SseRecorder a1 = open(as("alice", prompt(s, "1")));
             SseRecorder a2 = open(as("alice", prompt(s, "2")))) {
            assertEquals(200, a1.status());
            assertEquals(200, a2.status());
            HttpResponse<String> a3 = send(as("alice", prompt(s, "3")));
            assertError(a3, 429, "too_many_streams");
            assertTrue(a3.headers().firstValue("Retry-After").isPresent());
            try (SseRecorder b1 = open(as("bob", prompt(s, "bob")))) {
                assertEquals(200, b1.status(), "bob, from the same address, has his own limit");
            }
        }
    }
}
