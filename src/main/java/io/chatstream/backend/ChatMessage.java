package io.chatstream.backend;

import java.util.Locale;
import java.util.Objects;

/** One message of the conversation sent with a request. */
public record ChatMessage(Role role, String content) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    /** The roles of {@code SPEC.md} section 2. */
    public enum Role {
        SYSTEM, USER, ASSISTANT, TOOL;

        /** The value on the wire, e.g. {@code user}. */
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The role named {@code value}, or null when there is none such. */
        public static Role fromWire(String value) {
            for (Role r : values()) {
                if (r.wire().equals(value)) {
                    return r;
                }
            }
            return null;
        }
    }

    public static ChatMessage user(String content) {
        return new ChatMessage(Role.USER, content);
    }
}
