package io.chatstream.cluster;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * A Lua script run by its SHA-1 ({@code EVALSHA}), sent whole ({@code EVAL}, which also caches it) the first time
 * and again whenever Redis answers {@code NOSCRIPT} (after a restart or {@code SCRIPT FLUSH}). A script runs whole
 * or not at all, in order with the connection's other commands: what several commands cannot promise when a client
 * gives up on some of them (a timeout) and sends the next.
 *
 * <p>Every failure comes in the returned future, none is thrown: a connection not made yet ({@code c} null), a
 * command Lettuce refuses, an error from Redis.
 */
public final class RedisScript {

    private final String text;
    private final String sha;

    public RedisScript(String... lines) {
        this.text = String.join("\n", lines);
        try {
            this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every Java runtime", e);
        }
    }

    /** Runs the script, for an integer answer. */
    public CompletableFuture<Long> integer(RedisAsyncCommands<String, String> c, String[] keys, String... args) {
        return run(c, ScriptOutputType.INTEGER, keys, args).thenApply(r -> (Long) r);
    }

    /** As {@link #integer(RedisAsyncCommands, String[], String...)}, with the keys and arguments in lists. */
    public CompletableFuture<Long> integer(RedisAsyncCommands<String, String> c, List<String> keys,
            List<String> args) {
        return integer(c, keys.toArray(String[]::new), args.toArray(String[]::new));
    }

    /** Runs the script, for a list answer; a nil in it is a null, and an answer that is no list an empty list. */
    public CompletableFuture<List<Object>> multi(RedisAsyncCommands<String, String> c, String[] keys,
            String... args) {
        return run(c, ScriptOutputType.MULTI, keys, args).thenApply(RedisScript::list);
    }

    /** As {@link #multi(RedisAsyncCommands, String[], String...)}, with the keys and arguments in lists. */
    public CompletableFuture<List<Object>> multi(RedisAsyncCommands<String, String> c, List<String> keys,
            List<String> args) {
        return multi(c, keys.toArray(String[]::new), args.toArray(String[]::new));
    }

    /**
     * As {@link #multi(RedisAsyncCommands, String[], String...)}, with the arguments added by {@code args} as they
     * are: a byte array goes out as it is, with no String made of it and encoded again.
     */
    public CompletableFuture<List<Object>> multi(RedisAsyncCommands<String, String> c, String[] keys,
            Consumer<CommandArgs<String, String>> args) {
        if (c == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("not connected to Redis yet"));
        }
        return send(bySha -> {
            CommandArgs<String, String> a = new CommandArgs<>(StringCodec.UTF8).add(bySha ? sha : text)
                    .add(keys.length).addKeys(keys);
            args.accept(a);
            return c.dispatch(bySha ? CommandType.EVALSHA : CommandType.EVAL,
                    new NestedMultiOutput<>(StringCodec.UTF8), a);
        }).thenApply(RedisScript::list);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object r) {
        return r instanceof List<?> l ? (List<Object>) l : List.of();
    }

    private CompletableFuture<Object> run(RedisAsyncCommands<String, String> c, ScriptOutputType type,
            String[] keys, String[] args) {
        if (c == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("not connected to Redis yet"));
        }
        return send(bySha -> bySha ? c.<Object>evalsha(sha, type, keys, args) : c.<Object>eval(text, type, keys, args));
    }

    /** One way to send the script: by its SHA-1 ({@code true}) or whole. */
    private interface Send<T> {
        CompletionStage<T> send(boolean bySha);
    }

    /** Sends by SHA-1, and whole when Redis answers {@code NOSCRIPT}. */
    private static <T> CompletableFuture<T> send(Send<T> s) {
        try {
            return s.send(true).toCompletableFuture().handle((r, t) -> {
                if (t == null) {
                    return CompletableFuture.completedFuture(r);
                }
                Throwable u = unwrap(t);
                if (u instanceof RedisNoScriptException) {
                    return s.send(false).toCompletableFuture();
                }
                return CompletableFuture.<T>failedFuture(u);
            }).thenCompose(f -> f);
        } catch (RuntimeException e) { // Lettuce refuses some commands by throwing rather than failing the future
            return CompletableFuture.failedFuture(e);
        }
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
