package io.chatstream.stream;

import io.chatstream.backend.ChatBackend;
import io.chatstream.backend.ChatRequest;
import io.chatstream.backend.ChatSink;
import io.chatstream.backend.Generation;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A backend that only records the sink of each reply it starts and counts the cancels: the test plays the model. */
final class ManualBackend implements ChatBackend {

    static final String NAME = "manual";

    final List<ChatSink> sinks = new CopyOnWriteArrayList<>();
    final AtomicInteger cancels = new AtomicInteger();

    @Override
    public Generation start(ChatRequest request, ChatSink sink) {
        sinks.add(sink);
        return cancels::incrementAndGet;
    }

    @Override
    public String defaultModel() {
        return NAME;
    }

    /** The sink of the latest reply. */
    ChatSink sink() {
        return sinks.get(sinks.size() - 1);
    }
}
