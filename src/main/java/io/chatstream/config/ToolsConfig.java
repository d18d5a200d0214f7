package io.chatstream.config;

import java.time.Duration;
import java.util.List;

/**
 * The settings of server tools ({@code SPEC.md} sections 6 and 12), read once at start and validated like
 * {@link ChatConfig}'s. Whether each name is a tool found on the class path is checked where tools are found.
 *
 * @param enabled   {@code chat.tools}: the names of the server tools the model may call; empty: none
 * @param timeout   {@code chat.tools.timeout-seconds}: the most one tool call may take
 * @param maxRounds {@code chat.tools.max-rounds}: model -> tools -> model rounds in one reply, at least 1
 */
public record ToolsConfig(List<String> enabled, Duration timeout, int maxRounds) {

    /** Reads and validates; throws {@link ConfigException} naming a bad setting. */
    public static ToolsConfig load(Settings s) {
        List<String> names = s.list("chat.tools");
        for (String name : names) {
            if (!name.matches("[a-zA-Z0-9_-]{1,64}")) {
                throw s.invalid("chat.tools", "a comma list of server tool names such as time, calculator");
            }
        }
        if (names.stream().distinct().count() != names.size()) {
            throw s.invalid("chat.tools", "a comma list of server tool names, each named once");
        }
        return new ToolsConfig(names,
                Duration.ofSeconds(s.integer("chat.tools.timeout-seconds", 30, 1, 3600)),
                s.integer("chat.tools.max-rounds", 5, 1, 100));
    }
}
