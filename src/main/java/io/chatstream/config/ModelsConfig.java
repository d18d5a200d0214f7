package io.chatstream.config;

import java.time.Duration;

/**
 * The settings of {@code GET /api/models} ({@code SPEC.md} sections 6 and 11), read once at start and validated like
 * {@link ChatConfig}'s.
 *
 * @param cacheFor {@code chat.models.cache-seconds}: how long the provider's list is kept; 0 asks the provider for
 *                 every request that does not share one already under way
 */
public record ModelsConfig(Duration cacheFor) {

    /** Reads and validates; throws {@link ConfigException} naming a bad setting. */
    public static ModelsConfig load(Settings s) {
        return new ModelsConfig(Duration.ofSeconds(s.integer("chat.models.cache-seconds", 300, 0, 7 * 86_400)));
    }
}
