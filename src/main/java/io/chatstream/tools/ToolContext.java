package io.chatstream.tools;

import io.chatstream.config.Settings;

import java.time.Clock;

/**
 * What the webapp shares with its tools. All of it belongs to the webapp's lifecycle: tools use it and never shut
 * it down.
 *
 * @param settings every setting, a tool's own ({@code chat.<tool>.*}) included
 * @param clock    the clock tools tell time by (tests fix it)
 * @param blocking the bounded pool on which tools that block run their work
 */
public record ToolContext(Settings settings, Clock clock, BlockingToolPool blocking) {
}
