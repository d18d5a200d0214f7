package io.chatstream.store;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Where a page of the list ends: the last conversation's {@code updated_at} and id. Opaque to clients: they get
 * {@link #encode()} and send it back.
 */
public record Cursor(long updatedAt, String id) {

    /** URL-safe Base64 of {@code updatedAt:id}. */
    public String encode() {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((updatedAt + ":" + id).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A cursor from {@link #encode()}.
     *
     * @throws IllegalArgumentException it was not made by {@link #encode()}
     */
    public static Cursor parse(String text) {
        String decoded;
        try {
            decoded = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the cursor is not one this server gave out", e);
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0 || colon == decoded.length() - 1 || decoded.length() > 128) {
            throw new IllegalArgumentException("the cursor is not one this server gave out");
        }
        try {
            return new Cursor(Long.parseLong(decoded.substring(0, colon)), decoded.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the cursor is not one this server gave out", e);
        }
    }
}
