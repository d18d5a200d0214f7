package io.chatstream.event;

import java.util.Objects;

/** A complete tool call: {@code arguments} is the JSON text the model wrote, passed on as it came. */
public record ToolCall(String id, String name, String arguments) {
    public ToolCall {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
    }
}
