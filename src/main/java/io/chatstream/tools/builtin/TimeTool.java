package io.chatstream.tools.builtin;

import io.chatstream.tools.ChatTool;
import io.chatstream.tools.ToolArguments;
import io.chatstream.tools.ToolCallContext;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.time.format.TextStyle;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code time}: the current date and time in an IANA time zone ({@code {"zone":"Europe/Paris"}}; UTC when none is
 * given), e.g. {@code 2026-12-03T20:30:05+01:00 (Europe/Paris, Thursday)}. It reads its clock, never blocks.
 */
public final class TimeTool implements ChatTool {

    public static final String NAME = "time";

    private final Clock clock;

    public TimeTool(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "The current date and time. Use it whenever the answer depends on today's date or the time now.";
    }

    @Override
    public String parametersSchema() {
        return "{\"type\":\"object\",\"properties\":{\"zone\":{\"type\":\"string\",\"description\":"
                + "\"An IANA time zone such as Europe/Paris or America/New_York; UTC when omitted\"}}}";
    }

    @Override
    public CompletionStage<String> call(ToolCallContext context) {
        String zoneName = ToolArguments.parse(context.arguments(), Set.of("zone"))
                .optionalString("zone", "UTC", 64);
        return CompletableFuture.completedFuture(now(zone(zoneName)));
    }

    /** The zone {@code name}, or a refusal that says what is accepted. */
    static ZoneId zone(String name) {
        if (!name.matches("[A-Za-z0-9_/+:-]{1,64}")) {
            throw new IllegalArgumentException("'zone' must be an IANA time zone such as Europe/Paris");
        }
        try {
            return ZoneId.of(name);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("unknown time zone '" + name + "'; use an IANA name such as"
                    + " Europe/Paris, or UTC");
        }
    }

    private String now(ZoneId zone) {
        // ISO 8601 to the second, the offset as Z or +01:00
        ZonedDateTime t = ZonedDateTime.now(clock.withZone(zone)).truncatedTo(ChronoUnit.SECONDS);
        return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(t) + " (" + zone.getId() + ", "
                + t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH) + ")";
    }
}
