package io.chatstream.stream;

/** Makes the log of each new stream. The in-memory one is the default. */
@FunctionalInterface
public interface EventLogs {
    EventLog create(String streamId);

    EventLogs IN_MEMORY = id -> new MemoryEventLog();
}
