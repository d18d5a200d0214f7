package io.chatstream.backend.upstream;

import io.chatstream.backend.ChatSink;
import io.chatstream.event.ErrorCode;
import io.chatstream.event.FinishReason;
import io.chatstream.event.ToolCall;
import io.chatstream.event.Usage;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Guards a {@link ChatSink} for one reply whose calls come from several threads (the HTTP client's callbacks, the
 * idle timer): calls never overlap, the first terminal call is the only one passed on, and nothing is passed on
 * after it or after {@link #cancel()}.
 */
final class ReplySink implements ChatSink {

    private final ChatSink delegate;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean terminated;
    private volatile boolean cancelled;

    ReplySink(ChatSink delegate) {
        this.delegate = delegate;
    }

    /** True after the terminal call or {@link #cancel()}: nothing more goes out. */
    boolean isClosed() {
        return terminated || cancelled;
    }

    /** True once a terminal call went out. */
    boolean isTerminated() {
        return terminated;
    }

    /** No call goes out from now on. Never blocks. */
    void cancel() {
        cancelled = true;
    }

    @Override
    public void reasoning(String text) {
        lock.lock();
        try {
            if (!isClosed()) {
                delegate.reasoning(text);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void chunk(String text) {
        lock.lock();
        try {
            if (!isClosed()) {
                delegate.chunk(text);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void toolCall(ToolCall call) {
        lock.lock();
        try {
            if (!isClosed()) {
                delegate.toolCall(call);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void toolResult(String toolCallId, String result) {
        lock.lock();
        try {
            if (!isClosed()) {
                delegate.toolResult(toolCallId, result);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void end(FinishReason reason, Usage usage) {
        lock.lock();
        try {
            if (!isClosed()) {
                terminated = true;
                delegate.end(reason, usage);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void error(ErrorCode code, String message) {
        fail(code, message);
    }

    /** The terminal error, unless the reply already ended; returns true when this call was the terminal one. */
    boolean fail(ErrorCode code, String message) {
        lock.lock();
        try {
            if (isClosed()) {
                return false;
            }
            terminated = true;
            delegate.error(code, message);
            return true;
        } finally {
            lock.unlock();
        }
    }
}
