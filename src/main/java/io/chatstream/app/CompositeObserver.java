package io.chatstream.app;

import io.chatstream.event.ChatEvent;
import io.chatstream.stream.ChatStream;
import io.chatstream.stream.StreamObserver;
import io.chatstream.stream.StreamSource;

import java.util.List;

/** Passes every call to each observer in turn. */
final class CompositeObserver implements StreamObserver {

    private final StreamObserver[] observers;

    private CompositeObserver(List<StreamObserver> observers) {
        this.observers = observers.toArray(StreamObserver[]::new);
    }

    static StreamObserver of(List<StreamObserver> observers) {
        return observers.size() == 1 ? observers.get(0) : new CompositeObserver(observers);
    }

    @Override
    public void streamStarted(ChatStream stream) {
        for (StreamObserver o : observers) {
            o.streamStarted(stream);
        }
    }

    @Override
    public void firstToken(ChatStream stream, long nanos) {
        for (StreamObserver o : observers) {
            o.firstToken(stream, nanos);
        }
    }

    @Override
    public void streamEnded(ChatStream stream, ChatEvent.Terminal terminal, long nanos) {
        for (StreamObserver o : observers) {
            o.streamEnded(stream, terminal, nanos);
        }
    }

    @Override
    public void readerAttached(StreamSource stream, boolean resumed) {
        for (StreamObserver o : observers) {
            o.readerAttached(stream, resumed);
        }
    }

    @Override
    public void readerDetached(StreamSource stream, DetachReason reason) {
        for (StreamObserver o : observers) {
            o.readerDetached(stream, reason);
        }
    }

    @Override
    public void keepAliveSent() {
        for (StreamObserver o : observers) {
            o.keepAliveSent();
        }
    }

    @Override
    public void eventsWritten(int events) {
        for (StreamObserver o : observers) {
            o.eventsWritten(events);
        }
    }

    @Override
    public void rateLimited(String limit, String clientKey) {
        for (StreamObserver o : observers) {
            o.rateLimited(limit, clientKey);
        }
    }
}
