package io.chatstream.backend;

import java.util.Objects;

/**
 * A function the model may call ({@code SPEC.md} sections 2 and 12), as the client or a server tool describes it.
 *
 * @param name        {@code ^[a-zA-Z0-9_-]{1,64}$}
 * @param description what the tool does, for the model; may be empty
 * @param parameters  the JSON Schema of the arguments: the text of one JSON object, passed to the provider as it is
 */
public record ToolDefinition(String name, String description, String parameters) {

    public ToolDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(parameters, "parameters");
    }
}
