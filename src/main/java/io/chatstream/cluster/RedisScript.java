package io.chatstream.cluster;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A Lua script, which Redis runs atomically, run by its SHA-1 ({@code EVALSHA}) and sent whole ({@code EVAL}, which
 * also caches it) the first time and again whenever Redis answers {@code NOSCRIPT} (after a restart or
 * {@code SCRIPT FLUSH}). Its answer completes a future; nothing waits for it.
 */
final class RedisScript {

    private final RedisConnection redis;
    private final String text;
    private final String sha;

    RedisScript(RedisConnection redis, String... lines) {
        this.redis = redis;
        this.text = String.join("\n", lines);
        try {
            this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every Java runtime", e);
        }
    }

    /** Runs the script for an integer answer. */
    CompletableFuture<Long> integer(List<String> keys, List<String> args) {
        return run(ScriptOutputType.INTEGER, keys, args).thenApply(r -> (Long) r);
    }

    /** Runs the script for a list answer; a nil in the list is a null. */
    CompletableFuture<List<Object>> multi(List<String> keys, List<String> args) {
        return run(ScriptOutputType.MULTI, keys, args).thenApply(r -> {
            @SuppressWarnings("unchecked")
            List<Object> list = r instanceof List<?> l ? (List<Object>) l : List.of();
            return list;
        });
    }

    private CompletableFuture<Object> run(ScriptOutputType type, List<String> keyList, List<String> argList) {
        RedisAsyncCommands<String, String> c = redis.async();
        if (c == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("not connected to Redis yet"));
        }
        String[] keys = keyList.toArray(String[]::new);
        String[] args = argList.toArray(String[]::new);
        return c.<Object>evalsha(sha, type, keys, args).toCompletableFuture().handle((r, t) -> {
            if (t == null) {
                return CompletableFuture.completedFuture(r);
            }
            if (unwrap(t) instanceof RedisNoScriptException) {
                return c.<Object>eval(text, type, keys, args).toCompletableFuture();
            }
            return CompletableFuture.failedFuture(unwrap(t));
        }).thenCompose(f -> f);
    }

    static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
