package io.chatstream.cluster;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A Lua script run by its SHA-1 ({@code EVALSHA}), sent whole ({@code EVAL}, which also caches it) the first time
 * and again whenever Redis answers {@code NOSCRIPT} (after a restart or {@code SCRIPT FLUSH}). A script runs whole
 * or not at all, in order with the connection's other commands: what several commands cannot promise when a client
 * gives up on some of them (a timeout) and sends the next.
 */
final class RedisScript {

    private final String text;
    private final String sha;

    RedisScript(String... lines) {
        this.text = String.join("\n", lines);
        try {
            this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every Java runtime", e);
        }
    }

    /** Runs the script, for an integer answer. */
    CompletableFuture<Long> integer(RedisAsyncCommands<String, String> c, String[] keys, String... args) {
        CompletableFuture<Long> first = c.<Long>evalsha(sha, ScriptOutputType.INTEGER, keys, args)
                .toCompletableFuture();
        return first.handle((r, t) -> {
            if (t == null) {
                return CompletableFuture.completedFuture(r);
            }
            Throwable u = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            if (u instanceof RedisNoScriptException) {
                return c.<Long>eval(text, ScriptOutputType.INTEGER, keys, args).toCompletableFuture();
            }
            return CompletableFuture.<Long>failedFuture(u);
        }).thenCompose(f -> f);
    }
}
