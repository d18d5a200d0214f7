package io.chatstream.security;

import io.chatstream.app.ChatApplication;
import io.chatstream.backend.testing.FakeUpstream;
import io.chatstream.config.ChatConfig;
import io.chatstream.config.ConfigException;
import io.chatstream.config.Settings;
import io.chatstream.testing.SseRecorder;
import io.chatstream.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.chatstream.security.Api.HTTP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upstream API key (and the bearer tokens of {@code chat.auth.tokens}) appear in no response, no event, no
 * page, no log line at any level, and no error message, whatever the upstream echoes back: {@code chat.backend=openai}
 * against a fake upstream that puts the key everywhere it can.
 */
class SecretsTest {

    private static final String KEY = "sk-proj-Zq81vXw0LmT4hJ6nR2cY9bE5aK3uP7dF";
    private static final String KEY_TAIL = KEY.substring(KEY.length() - 12);
    private static final String TOKEN = "tok-4b1f0c9e7a2d8e6f3c5a";

    /** What the fake upstream does, chosen by the user message. */
    private static void upstream(FakeUpstream.Exchange ex) throws Exception {
        String body = ex.request().body();
        String echo = "your key " + KEY + " (Bearer " + KEY + ")";
        if (body.contains("\"ok\"")) {
            ex.respondFully(200, "text/event-stream",
                    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"fine\"}}]}\n\n"
                            + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                            + "data: [DONE]\n\n");
        } else if (body.contains("\"401\"")) {
            ex.respondFully(401, "application/json", "{\"error\":{\"message\":\"Incorrect API key provided: "
                    + KEY + ". Find your key at platform.openai.com\",\"type\":\"invalid_request_error\"}}");
        } else if (body.contains("\"500\"")) {
            ex.respondFully(500, "text/html", "<html><head><title>Error " + KEY + "</title></head><body>"
                    + echo + "</body></html>");
        } else if (body.contains("\"429\"")) {
            ex.respondFully(429, "application/json", "{\"error\":{\"message\":\"" + echo + "\"}}",
                    "Retry-After: 7");
        } else if (body.contains("\"midstream\"")) {
            ex.respondFully(200, "text/event-stream",
                    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n"
                            + "data: {\"error\":{\"message\":\"" + echo + "\",\"code\":\"" + KEY + "\"}}\n\n");
        } else if (body.contains("\"garbage\"")) {
            ex.respondFully(200, "text/event-stream", "data: {not json " + echo + "\n\n");
        } else if (body.contains("\"event-error\"")) {
            ex.respondFully(200, "text/event-stream", "event: error\ndata: " + echo + "\n\n");
        } else if (body.contains("\"reset\"")) {
            ex.respond(200, "text/event-stream").write("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
                    + "b\"}}]}\n\n");
            ex.reset();
        } else if (body.contains("\"silent\"")) {
            ex.stall(Duration.ofSeconds(5));
        } else {
            ex.respondFully(400, "application/json", "{\"error\":{\"message\":\"unknown " + echo + "\"}}");
        }
    }

    private static void assertNoSecret(String where, String text) {
        assertFalse(text.contains(KEY), "the API key in " + where + ": " + text);
        assertFalse(text.contains(KEY_TAIL), "the API key's tail in " + where + ": " + text);
        assertFalse(text.contains(TOKEN), "a bearer token in " + where + ": " + text);
    }

    private static String raw(HttpResponse<?> resp, String body) {
        return resp.statusCode() + " " + resp.headers().map() + "\n" + body;
    }

    @Test
    void theKeyAndTokensAreInNoResponseEventPageOrLogLine() throws Exception {
        List<String> seen = new ArrayList<>();
        try (LogCapture logs = new LogCapture();
             FakeUpstream fake = FakeUpstream.start(SecretsTest::upstream)) {
            Map<String, String> settings = new HashMap<>(Map.of("chat.backend", "openai",
                    "chat.openai.base-url", fake.url("/v1"), "chat.openai.api-key", KEY,
                    "chat.openai.model", "gpt-test", "chat.upstream.idle-timeout-seconds", "1",
                    "chat.auth.mode", "token", "chat.auth.tokens", TOKEN + ",other-token-1234",
                    "chat.stream.retain-seconds", "60"));
            try (TestServer s = TestServer.start(settings)) {
                Map<String, String> expected = Map.of("ok", "end", "401", "upstream_auth", "500", "upstream_error",
                        "429", "upstream_rate_limited", "midstream", "upstream_error", "garbage", "upstream_error",
                        "event-error", "upstream_error", "reset", "upstream_error", "silent", "upstream_timeout",
                        "other", "upstream_error");
                for (Map.Entry<String, String> c : expected.entrySet()) {
                    List<String> formats = c.getKey().equals("401") || c.getKey().equals("midstream")
                            ? List.of("text/event-stream", "application/x-ndjson") : List.of("text/event-stream");
                    for (String accept : formats) {
                        HttpResponse<String> resp = HTTP.send(Api.post(s, "{\"message\":\"" + c.getKey() + "\"}")
                                .header("Authorization", "Bearer " + TOKEN).header("Accept", accept).build(),
                                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                        assertEquals(200, resp.statusCode(), resp.body());
                        String body = resp.body();
                        seen.add(raw(resp, body));
                        String last = body.strip().substring(body.strip().lastIndexOf('\n') + 1);
                        assertTrue(c.getValue().equals("end") ? last.contains("\"type\":\"end\"")
                                : last.contains("\"code\":\"" + c.getValue() + "\""), c + ": " + body);
                        // replayed from the log too
                        String id = resp.headers().firstValue("X-Stream-Id").orElseThrow();
                        HttpResponse<String> replay = HTTP.send(Api.stream(s, id)
                                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
                        seen.add(raw(replay, replay.body()));
                    }
                }
                for (String path : List.of("/", "/index.jsp", "/api/health", "/api/nope", "/api/chat?prompt=x")) {
                    HttpResponse<String> resp = HTTP.send(HttpRequest.newBuilder(s.uri(path)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    seen.add(path + " " + raw(resp, resp.body()));
                }
                HttpResponse<String> wrong = HTTP.send(Api.prompt(s, "x").header("Authorization", "Bearer "
                        + TOKEN.substring(0, TOKEN.length() - 1)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(401, wrong.statusCode());
                seen.add(raw(wrong, wrong.body()));
                HttpResponse<String> noModel = HTTP.send(Api.post(s, "{\"message\":\"x\",\"model\":\""
                        + "m\\u0000\"}").header("Authorization", "Bearer " + TOKEN).build(),
                        HttpResponse.BodyHandlers.ofString());
                seen.add(raw(noModel, noModel.body()));
            }
            for (String response : seen) {
                assertNoSecret("a response", response);
            }
            String logged = logs.all();
            assertTrue(logged.contains("Upstream 127.0.0.1:" + fake.port()), "the failures were logged: " + logged);
            assertTrue(logs.records() > 20, "debug records are captured too");
            assertNoSecret("the log", logged);
        }
    }

    /** An OpenAI stream event whose delta is {@code delta}. */
    private static String delta(String delta) {
        return "data: {\"choices\":[{\"index\":0,\"delta\":" + delta + "}]}\n\n";
    }

    private static String quoted(String text) throws Exception {
        return SseRecorder.JSON.writeValueAsString(text);
    }

    /** The upstream echoes the key in its reply, split across events: answer, reasoning, tool call. */
    private static void echoingUpstream(FakeUpstream.Exchange ex) throws Exception {
        StringBuilder body = new StringBuilder();
        if (ex.request().body().contains("tool")) {
            body.append(delta("{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
                    + "\"function\":{\"name\":\"lookup\",\"arguments\":" + quoted("{\"auth\":\"" + KEY.substring(0, 9))
                    + "}}]}"));
            body.append(delta("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
                    + quoted(KEY.substring(9) + "\"}") + "}}]}"));
            body.append("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n");
        } else {
            for (String r : List.of("I see Bearer " + KEY.substring(0, 1), KEY.substring(1, 20), KEY.substring(20))) {
                body.append(delta("{\"reasoning_content\":" + quoted(r) + "}"));
            }
            for (String c : List.of("Your key is s", "k-proj-", KEY.substring(8, 30), KEY.substring(30) + " (kept)",
                    " and 😀" + KEY + "é" + KEY.substring(0, 11), KEY.substring(11) + ". Unfinished: sk-pro")) {
                body.append(delta("{\"content\":" + quoted(c) + "}"));
            }
            body.append("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
        }
        body.append("data: [DONE]\n\n");
        ex.respondFully(200, "text/event-stream", body.toString());
    }

    @Test
    void aKeyTheUpstreamPutsIntoItsReplyIsMaskedEvenSplitAcrossEvents() throws Exception {
        try (FakeUpstream fake = FakeUpstream.start(SecretsTest::echoingUpstream);
             TestServer s = TestServer.start(Map.of("chat.backend", "openai", "chat.openai.base-url",
                     fake.url("/v1"), "chat.openai.api-key", KEY, "chat.openai.model", "gpt-test"))) {
            try (SseRecorder r = Api.open(Api.post(s, "{\"message\":\"hi\"}"))) {
                List<SseRecorder.Event> events = r.readToEnd(Duration.ofSeconds(10));
                assertEquals("Your key is *** (kept) and 😀***é***. Unfinished: sk-pro",
                        SseRecorder.text(events, "chunk"), "masked, and every other code point as it came");
                assertEquals("I see Bearer ***", SseRecorder.text(events, "reasoning"));
                assertEquals("stop", events.get(events.size() - 1).json().get("finish_reason").asText());
                assertNoSecret("the events", r.seen().toString());
            }
            try (SseRecorder r = Api.open(Api.post(s, "{\"message\":\"tool\"}"))) {
                List<SseRecorder.Event> events = r.readToEnd(Duration.ofSeconds(10));
                SseRecorder.Event call = events.stream().filter(e -> e.type().equals("tool_call")).findFirst()
                        .orElseThrow(() -> new AssertionError(events.toString()));
                assertEquals("{\"auth\":\"***\"}", call.json().get("tool_call").get("arguments").asText());
                assertNoSecret("the events", r.seen().toString());
            }
        }
    }

    @Test
    void aKeyPastedIntoABaseUrlIsNotShownWhenStartUpRefusesIt() throws Exception {
        try (LogCapture logs = new LogCapture()) {
            Exception e = assertThrows(Exception.class, () -> TestServer.start(Map.of("chat.backend", "openai",
                    "chat.openai.base-url", "https://user:" + KEY + "@api.example.com/v1", "chat.openai.model", "m"))
                    .close());
            StringBuilder messages = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                messages.append(t).append('\n');
            }
            assertTrue(messages.toString().contains("chat.openai.base-url"), messages.toString());
            assertNoSecret("the start-up failure", messages.toString());
            for (String url : List.of("https://" + KEY + "@api.example.com/v1", "http://x:" + KEY
                    + "@127.0.0.1:1/v1?x=1", "https://u:p@ss:" + KEY + "@h/v1")) {
                ConfigException c = assertThrows(ConfigException.class, () -> ChatApplication.start(Settings.of(
                        Map.of("chat.backend", "openai", "chat.openai.base-url", url)), List.of()).close());
                assertTrue(c.getMessage().contains("chat.openai.base-url"), c.getMessage());
                assertNoSecret("the start-up failure", c.getMessage());
            }
            assertNoSecret("the log", logs.all());
        }
    }

    @Test
    void settingMessagesNeverShowSecretValues() {
        for (String name : List.of("chat.openai.api-key", "chat.auth.tokens", "chat.custom.token",
                "chat.custom.password", "chat.custom.client-secret")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> Settings.of(Map.of(name, KEY)).integer(name, 0, 0, 1));
            assertTrue(e.getMessage().contains(name));
            assertNoSecret("the message for " + name, e.getMessage());
        }
        ConfigException tokenMode = assertThrows(ConfigException.class, () -> ChatConfig.load(Settings.of(Map.of(
                "chat.auth.mode", "token", "chat.auth.tokens", " , "))));
        assertNoSecret("the token-mode message", tokenMode.getMessage());
    }

    @Test
    void aStreamReplayedAfterTheFactHoldsNoSecretEither() throws Exception {
        // the stream log keeps events for retention: what it keeps is what was sent, already free of the key
        try (FakeUpstream fake = FakeUpstream.start(SecretsTest::upstream);
             TestServer s = TestServer.start(Map.of("chat.backend", "openai", "chat.openai.base-url",
                     fake.url("/v1"), "chat.openai.api-key", KEY, "chat.openai.model", "gpt-test"))) {
            HttpResponse<InputStream> resp = HTTP.send(Api.post(s, "{\"message\":\"401\"}").build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            String id = resp.headers().firstValue("X-Stream-Id").orElseThrow();
            resp.body().close();
            Api.await(5_000, () -> s.app().registry().find(id).isTerminated());
            try (SseRecorder r = Api.open(Api.stream(s, id))) {
                List<SseRecorder.Event> events = r.readToEnd(Duration.ofSeconds(10));
                assertEquals("upstream_auth", events.get(events.size() - 1).json().get("code").asText());
                assertNoSecret("the replay", events.toString());
            }
        }
    }
}
