package io.chatstream.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatstream.backend.ChatRequest;
import io.chatstream.conversation.Conversations;
import io.chatstream.conversation.History;
import io.chatstream.protocol.ApiError;
import io.chatstream.protocol.ChatRequestParser;
import io.chatstream.protocol.ParsedRequest;
import io.chatstream.store.Conversation;
import io.chatstream.store.ConversationPatch;
import io.chatstream.store.ConversationTree;
import io.chatstream.store.Cursor;
import io.chatstream.store.Message;
import io.chatstream.store.StoreUnavailableException;
import io.chatstream.store.UnknownMessageException;
import io.chatstream.stream.ChatStream;
import io.chatstream.stream.ConversationReply;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;

/**
 * Conversations kept on the server ({@code SPEC.md} section 9): list, create, read, rename / pin / move the
 * current leaf, delete, and send a message or regenerate a reply, which answer with the reply's stream exactly as
 * {@code POST /api/chat} does (the same admission, limits, {@code Idempotency-Key}, headers and frames, through
 * {@link StreamOpener} and {@link StreamResponses}). No request thread waits on the database: each request goes
 * async, the store works on its own threads, and the answer is written on a container thread once the store's
 * future completes.
 *
 * <p>Owner: the principal where auth is on; otherwise the random id of the {@code chat_owner} cookie, set by the
 * first conversation request. Another owner's conversation is a {@code 404}, like one that never existed.
 */
final class ConversationsServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(ConversationsServlet.class.getName());
    static final String OWNER_COOKIE = "chat_owner";
    /** 128 random bits, URL-safe Base64 without padding: 22 characters. */
    private static final Pattern OWNER_ID = Pattern.compile("[A-Za-z0-9_-]{22}");
    /** Browsers keep a cookie for at most 400 days; a visit within that time renews it. */
    private static final int OWNER_COOKIE_SECONDS = 400 * 86_400;
    private static final int DEFAULT_PAGE = 20;
    private static final int MAX_PAGE = 100;
    private static final int MAX_TITLE = 500;
    private static final int MAX_QUERY = 200;
    private static final int TITLE_FROM_MESSAGE = 60;
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final transient Conversations conversations;
    private final transient ChatRequestParser parser;
    private final transient int maxMessages;
    private final transient long maxBodyBytes;
    private final transient ApiGate gate;
    private final transient AsyncRequests requests;
    private final transient JsonBodies bodies;
    private final transient StreamOpener opener;
    private final transient StreamResponses responses;

    /**
     * @param maxMessages  {@code chat.limits.max-messages}: the most of a conversation's history sent to the model
     * @param maxBodyBytes {@code chat.limits.max-body-bytes}: the most of that history's size, as for a chat body
     */
    ConversationsServlet(Conversations conversations, ChatRequestParser parser, int maxMessages, long maxBodyBytes,
                         ApiGate gate, AsyncRequests requests, JsonBodies bodies, StreamOpener opener,
                         StreamResponses responses) {
        this.conversations = conversations;
        this.parser = parser;
        this.maxMessages = maxMessages;
        this.maxBodyBytes = maxBodyBytes;
        this.gate = gate;
        this.requests = requests;
        this.bodies = bodies;
        this.opener = opener;
        this.responses = responses;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) {
        try {
            route(req, resp);
        } catch (ApiError e) {
            refuse(req, resp, e);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "Request " + req.getMethod() + " " + req.getRequestURI() + " failed", e);
            refuse(req, resp, Refusals.FAILED);
        }
    }

    private void refuse(HttpServletRequest req, HttpServletResponse resp, ApiError e) {
        gate.refuse(req, resp, e);
        if (req.isAsyncStarted()) {
            req.getAsyncContext().complete();
        }
    }

    private void route(HttpServletRequest req, HttpServletResponse resp) throws ApiError, IOException {
        String path = req.getPathInfo();
        List<String> parts = path == null || path.equals("/") ? List.of()
                : List.of(path.substring(1).split("/", -1));
        if (parts.stream().anyMatch(String::isEmpty)) {
            throw notFound();
        }
        String method = req.getMethod();
        switch (parts.size()) {
            case 0 -> {
                switch (method) {
                    case "GET" -> list(req, resp);
                    case "POST" -> create(req, resp);
                    default -> throw Responses.methodNotAllowed(resp, "GET, POST");
                }
            }
            case 1 -> {
                switch (method) {
                    case "GET" -> get(req, resp, parts.get(0));
                    case "PATCH" -> patch(req, resp, parts.get(0));
                    case "DELETE" -> delete(req, resp, parts.get(0));
                    default -> throw Responses.methodNotAllowed(resp, "GET, PATCH, DELETE");
                }
            }
            case 2 -> {
                if (!parts.get(1).equals("messages")) {
                    throw notFound();
                }
                if (!method.equals("POST")) {
                    throw Responses.methodNotAllowed(resp, "POST");
                }
                send(req, resp, parts.get(0));
            }
            case 4 -> {
                if (!parts.get(1).equals("messages") || !parts.get(3).equals("regenerate")) {
                    throw notFound();
                }
                if (!method.equals("POST")) {
                    throw Responses.methodNotAllowed(resp, "POST");
                }
                regenerate(req, resp, parts.get(0), parts.get(2));
            }
            default -> throw notFound();
        }
    }

    // ---- the requests -------------------------------------------------------------------------------------------

    private void list(HttpServletRequest req, HttpServletResponse resp) throws ApiError {
        String owner = owner(req, resp);
        QueryParameters query = QueryParameters.of(req);
        int limit = DEFAULT_PAGE;
        String l = query.get("limit");
        if (l != null) {
            try {
                limit = Integer.parseInt(l);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_PAGE) {
                throw ApiError.invalid("\"limit\" must be a whole number from 1 to " + MAX_PAGE + ".");
            }
        }
        Cursor after = null;
        String c = query.get("cursor");
        if (c != null && !c.isEmpty()) {
            try {
                after = Cursor.parse(c);
            } catch (IllegalArgumentException e) {
                throw ApiError.invalid("\"cursor\" is not one this server gave out.");
            }
        }
        String q = query.get("q");
        q = q == null || q.isBlank() ? null : q.strip();
        if (q != null && q.length() > MAX_QUERY) {
            throw ApiError.invalid("\"q\" must be at most " + MAX_QUERY + " characters.");
        }
        AsyncContext async = requests.start(req);
        then(async, resp, conversations.store().list(owner, q, after, limit), page -> {
            ObjectNode body = JSON.createObjectNode();
            ArrayNode list = body.putArray("conversations");
            page.conversations().forEach(conv -> list.add(summary(conv)));
            body.put("next_cursor", page.next() == null ? null : page.next().encode());
            json(async, resp, 200, body);
        });
    }

    private void create(HttpServletRequest req, HttpServletResponse resp) throws ApiError, IOException {
        String owner = owner(req, resp);
        bodies.read(req, resp, "POST /api/conversations", (async, bytes) -> {
            JsonNode body = object(bytes);
            String title = optionalText(body, "title", MAX_TITLE);
            String system = optionalText(body, "system", Integer.MAX_VALUE);
            long now = now();
            Conversation conv = new Conversation(UUID.randomUUID().toString(), owner, title, system, false, null,
                    now, now);
            then(async, resp, conversations.store().create(conv), created -> {
                resp.setHeader("Location", req.getContextPath() + "/api/conversations/" + created.id());
                json(async, resp, 201, full(new ConversationTree(created, List.of())));
            });
        });
    }

    private void get(HttpServletRequest req, HttpServletResponse resp, String id) throws ApiError {
        String owner = owner(req, resp);
        AsyncContext async = requests.start(req);
        then(async, resp, conversations.store().find(owner, id), found ->
                json(async, resp, 200, full(found.orElseThrow(ConversationsServlet::notFound))));
    }

    private void patch(HttpServletRequest req, HttpServletResponse resp, String id) throws ApiError, IOException {
        String owner = owner(req, resp);
        bodies.read(req, resp, "PATCH /api/conversations/{id}", (async, bytes) -> {
            JsonNode body = object(bytes);
            String title = optionalText(body, "title", MAX_TITLE);
            Boolean pinned = null;
            JsonNode p = body.get("pinned");
            if (p != null && !p.isNull()) {
                if (!p.isBoolean()) {
                    throw ApiError.invalid("\"pinned\" must be true or false.");
                }
                pinned = p.booleanValue();
            }
            String leaf = optionalText(body, "current_leaf", 64);
            then(async, resp, conversations.store().update(owner, id, new ConversationPatch(title, pinned, leaf)),
                    updated -> {
                        Conversation conv = updated.orElseThrow(ConversationsServlet::notFound);
                        ObjectNode out = summary(conv);
                        out.put("system", conv.system());
                        out.put("current_leaf", conv.currentLeaf());
                        json(async, resp, 200, out);
                    });
        });
    }

    private void delete(HttpServletRequest req, HttpServletResponse resp, String id) throws ApiError {
        String owner = owner(req, resp);
        AsyncContext async = requests.start(req);
        then(async, resp, conversations.store().delete(owner, id), deleted -> {
            if (!deleted) {
                throw notFound();
            }
            conversations.replies().conversationDeleted(id);
            resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
            async.complete();
        });
    }

    /** {@code POST /api/conversations/{id}/messages}: a user message, and the reply's stream. */
    private void send(HttpServletRequest req, HttpServletResponse resp, String id) throws ApiError, IOException {
        ApiGate.Caller caller = gate.admit(req);
        String owner = owner(req, resp, caller);
        bodies.read(req, resp, "POST /api/conversations/{id}/messages", (async, bytes) -> {
            JsonNode body = object(bytes);
            JsonNode c = body.get("content");
            if (c == null || !c.isTextual() || c.textValue().isBlank()) {
                throw ApiError.invalid("\"content\" must be a non-empty string.");
            }
            String content = c.textValue();
            JsonNode p = body.get("parent_id");
            if (p != null && !p.isNull() && !p.isTextual()) {
                throw ApiError.invalid("\"parent_id\" must be a message id, or null for the root.");
            }
            ChatRequest options = options(body, content);
            then(async, resp, conversations.store().find(owner, id), found -> {
                ConversationTree tree = found.orElseThrow(ConversationsServlet::notFound);
                Conversation conv = tree.conversation();
                String parentId = p == null ? conv.currentLeaf() : p.isNull() ? null : p.textValue();
                if (parentId != null && tree.message(parentId).isEmpty()) {
                    throw ApiError.invalid("\"parent_id\" is not a message of this conversation.");
                }
                long now = now();
                Message user = Message.user(UUID.randomUUID().toString(), conv.id(), parentId, content, now);
                List<Message> path = new ArrayList<>(parentId == null ? List.of() : tree.pathTo(parentId));
                path.add(user);
                String title = conv.title() == null ? titleFrom(content) : null;
                reply(async, req, resp, caller, owner, conv, path, user, options, title,
                        fingerprint("/conversations/" + id + "/messages", body));
            });
        });
    }

    /** {@code POST /api/conversations/{id}/messages/{mid}/regenerate}: a new reply beside {@code mid}. */
    private void regenerate(HttpServletRequest req, HttpServletResponse resp, String id, String mid)
            throws ApiError, IOException {
        ApiGate.Caller caller = gate.admit(req);
        String owner = owner(req, resp, caller);
        JsonBodies.Handler then = (async, bytes) -> {
            JsonNode body = bytes.length == 0 ? null : object(bytes);
            ChatRequest options = body == null ? null : options(body, "-");
            String fingerprint = fingerprint("/conversations/" + id + "/messages/" + mid + "/regenerate", body);
            then(async, resp, conversations.store().find(owner, id), found -> {
                ConversationTree tree = found.orElseThrow(ConversationsServlet::notFound);
                Message target = tree.message(mid).orElseThrow(() -> new ApiError(404, "not_found",
                        "No such message in this conversation."));
                if (!target.role().equals("assistant")) {
                    throw ApiError.invalid("Only an assistant message can be regenerated; to change a user"
                            + " message, send a new one with its parent_id.");
                }
                if (target.parentId() == null) {
                    throw ApiError.invalid("This reply answers no message: there is nothing to regenerate from.");
                }
                List<Message> path = tree.pathTo(target.parentId());
                reply(async, req, resp, caller, owner, tree.conversation(), path, null, options, null,
                        fingerprint);
            });
        };
        if (req.getContentType() == null && req.getContentLengthLong() <= 0) {
            then.arrived(requests.start(req), new byte[0]); // no options: the body may be left out
        } else {
            bodies.read(req, resp, "POST .../regenerate", then);
        }
    }

    /**
     * Opens the reply's stream for the history that ends with {@code path}, inserts the reply (and {@code user},
     * when new) as the stream starts, then answers with the stream.
     *
     * @param options     model, temperature, max_tokens, tools and tool_choice, or null for the defaults
     * @param fingerprint the request's path and body, which a repeat of its {@code Idempotency-Key} must match
     */
    private void reply(AsyncContext async, HttpServletRequest req, HttpServletResponse resp, ApiGate.Caller caller,
                       String owner, Conversation conv, List<Message> path, Message user, ChatRequest options,
                       String title, String fingerprint) throws ApiError, IOException {
        ChatRequest request = new ChatRequest(History.forModel(conv.system(), path, maxMessages, maxBodyBytes),
                options == null ? null : options.model(),
                options == null ? null : options.temperature(), options == null ? null : options.maxTokens(),
                options == null ? List.of() : options.tools(), options == null ? null : options.toolChoice());
        Message answered = path.get(path.size() - 1);
        ConversationReply target = new ConversationReply(conv.id(), UUID.randomUUID().toString(), answered.id());
        opener.open(async, req, resp, caller, request, fingerprint, target, found -> {
            if (!(found instanceof ChatStream stream) || stream.conversationReply() != target) {
                // the same Idempotency-Key again: that reply is saved already, this request only reads it
                responses.deliver(async, req, resp, found, 0, false);
                return;
            }
            Message reply = Message.streamingReply(target.messageId(), conv.id(), answered.id(), stream.model(),
                    stream.id(), now());
            CompletableFuture<Boolean> saved;
            try {
                saved = conversations.replies().begin(stream, owner, user, reply, title);
            } catch (RuntimeException e) {
                stream.cancel();
                throw e;
            }
            then(async, resp, saved, ok -> {
                if (!ok) {
                    stream.cancel();
                    throw notFound(); // deleted meanwhile
                }
                responses.deliver(async, req, resp, stream, 0, false);
            }, stream::cancel);
        });
    }

    // ---- answers ------------------------------------------------------------------------------------------------

    /** The next step of a request once the store has answered. */
    private interface Step<T> {
        void run(T value) throws ApiError, IOException;
    }

    private <T> void then(AsyncContext async, HttpServletResponse resp, CompletableFuture<T> future, Step<T> step) {
        then(async, resp, future, step, () -> { });
    }

    /**
     * Runs {@code step} on a container thread once {@code future} completes (the store's threads only talk to the
     * database), and answers what fails: the database away is a 503 with {@code Retry-After}, never a 500.
     *
     * @param onFailure what to undo when the future failed
     */
    private <T> void then(AsyncContext async, HttpServletResponse resp, CompletableFuture<T> future, Step<T> step,
                          Runnable onFailure) {
        future.whenComplete((value, failure) -> async.start(() -> {
            try {
                if (failure != null) {
                    onFailure.run();
                    throw apiError(failure);
                }
                step.run(value);
            } catch (ApiError e) {
                Responses.error(resp, e);
                async.complete();
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "A conversation request failed", e);
                Responses.error(resp, Refusals.FAILED);
                async.complete();
            }
        }));
    }

    private static ApiError apiError(Throwable failure) {
        Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        if (t instanceof StoreUnavailableException) {
            LOG.log(Level.WARNING, "The conversation store cannot be reached: " + t.getMessage());
            return new ApiError(503, "unavailable", "Conversations cannot be reached now; try again shortly.", 5);
        }
        if (t instanceof UnknownMessageException) {
            return ApiError.invalid(t.getMessage());
        }
        LOG.log(Level.WARNING, "A conversation request failed", t);
        return Refusals.FAILED;
    }

    private static void json(AsyncContext async, HttpServletResponse resp, int status, JsonNode body)
            throws IOException {
        resp.setStatus(status);
        Responses.json(resp, JSON.writeValueAsBytes(body));
        async.complete();
    }

    private static ObjectNode summary(Conversation c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", c.id());
        n.put("title", c.title());
        n.put("created_at", time(c.createdAt()));
        n.put("updated_at", time(c.updatedAt()));
        n.put("pinned", c.pinned());
        return n;
    }

    private static ObjectNode full(ConversationTree tree) {
        Conversation c = tree.conversation();
        ObjectNode n = summary(c);
        n.put("system", c.system());
        n.put("current_leaf", c.currentLeaf());
        ArrayNode messages = n.putArray("messages");
        for (Message m : tree.messages()) {
            ObjectNode o = messages.addObject();
            o.put("id", m.id());
            o.put("parent_id", m.parentId());
            o.put("role", m.role());
            o.put("content", m.content());
            if (m.reasoning() != null) {
                o.put("reasoning", m.reasoning());
            }
            if (m.toolCalls() != null) {
                try {
                    o.set("tool_calls", JSON.readTree(m.toolCalls()));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException("stored tool calls are not JSON", e);
                }
            }
            if (m.toolCallId() != null) {
                o.put("tool_call_id", m.toolCallId());
            }
            if (m.model() != null) {
                o.put("model", m.model());
            }
            if (m.usage() != null) {
                o.putObject("usage").put("prompt_tokens", m.usage().promptTokens())
                        .put("completion_tokens", m.usage().completionTokens());
            }
            o.put("status", m.status().wire());
            if (m.streamId() != null) {
                o.put("stream_id", m.streamId());
            }
            o.put("created_at", time(m.createdAt()));
        }
        return n;
    }

    /** ISO 8601 in UTC with milliseconds, e.g. {@code 2026-12-03T16:34:21.123Z}. */
    private static String time(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).toString();
    }

    private long now() {
        return conversations.clock().millis();
    }

    // ---- owners and bodies --------------------------------------------------------------------------------------

    private String owner(HttpServletRequest req, HttpServletResponse resp) throws ApiError {
        return owner(req, resp, gate.admit(req));
    }

    /**
     * The principal where auth is on; else the {@code chat_owner} cookie's id, made (128 random bits) and set on
     * the context path when the request carries none that this server could have made.
     */
    private static String owner(HttpServletRequest req, HttpServletResponse resp, ApiGate.Caller caller) {
        if (caller.principal() != null) {
            return caller.principal();
        }
        Cookie[] cookies = req.getCookies();
        if (cookies != null) {
            for (Cookie c : cookies) {
                if (c.getName().equals(OWNER_COOKIE) && OWNER_ID.matcher(c.getValue()).matches()) {
                    return "cookie:" + c.getValue();
                }
            }
        }
        byte[] bits = new byte[16];
        RANDOM.nextBytes(bits);
        String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
        Cookie cookie = new Cookie(OWNER_COOKIE, id);
        cookie.setHttpOnly(true);
        cookie.setSecure(req.isSecure());
        cookie.setPath(req.getContextPath().isEmpty() ? "/" : req.getContextPath());
        cookie.setMaxAge(OWNER_COOKIE_SECONDS);
        cookie.setAttribute("SameSite", "Lax");
        resp.addCookie(cookie);
        return "cookie:" + id;
    }

    /** The body as a JSON object: strict UTF-8, no duplicate keys. */
    private static JsonNode object(byte[] bytes) throws ApiError {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw ApiError.invalid("The body is not valid UTF-8.");
        }
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw ApiError.invalid("The body is not valid JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw ApiError.invalid("The body must be a JSON object.");
        }
        return n;
    }

    private static String optionalText(JsonNode body, String field, int max) throws ApiError {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual() || n.textValue().isBlank() || n.textValue().length() > max) {
            throw ApiError.invalid("\"" + field + "\" must be a non-empty string"
                    + (max < Integer.MAX_VALUE ? " of at most " + max + " characters." : "."));
        }
        return n.textValue();
    }

    /**
     * {@code model}, {@code temperature} and {@code max_tokens}, checked by the same parser as a
     * {@code POST /api/chat} body, so both refuse the same values with the same words; so are {@code tools} and
     * {@code tool_choice}, which reach the backend as they do from {@code POST /api/chat}.
     */
    private ChatRequest options(JsonNode body, String content) throws ApiError {
        ObjectNode asChat = JSON.createObjectNode();
        asChat.put("message", content);
        for (String field : new String[] {"model", "temperature", "max_tokens", "tools", "tool_choice"}) {
            if (body.has(field)) {
                asChat.set(field, body.get(field));
            }
        }
        try {
            return parser.parse(JSON.writeValueAsBytes(asChat));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of our own did not serialize", e);
        }
    }

    /**
     * What tells a retry of a send from a mistake ({@code SPEC.md} section 4): the path and the body as one JSON
     * value, hashed as a {@code POST /api/chat} body is, so the same key sent to another conversation, another
     * message or with another body is {@code 422 idempotency_key_reused}, and never one of {@code POST /api/chat}.
     *
     * @param body the request's body, or null when it has none
     */
    private static String fingerprint(String path, JsonNode body) {
        ObjectNode request = JSON.createObjectNode();
        request.put("path", path);
        request.set("body", body == null ? JSON.nullNode() : body);
        return ParsedRequest.fingerprintOf(request);
    }

    /** The first line's words, up to 60 characters. */
    static String titleFrom(String content) {
        String words = content.strip().replaceAll("\\s+", " ");
        if (words.codePointCount(0, words.length()) <= TITLE_FROM_MESSAGE) {
            return words;
        }
        int end = words.offsetByCodePoints(0, TITLE_FROM_MESSAGE - 1);
        return words.substring(0, end).stripTrailing() + "\u2026";
    }

    private static ApiError notFound() {
        return new ApiError(404, "not_found", "No such conversation: it never existed, was deleted, or is not"
                + " yours.");
    }
}
