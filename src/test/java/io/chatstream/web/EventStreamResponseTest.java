package io.chatstream.web;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.mockito.InOrder;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/** The container's callbacks reach the writer, and the response is completed after the writer had its say. */
class EventStreamResponseTest {

    private final AsyncContext async = mock(AsyncContext.class);
    private final ServletOutputStream out = mock(ServletOutputStream.class);
    private final HttpServletResponse response = mock(HttpServletResponse.class);
    private final List<String> calls = new ArrayList<>();

    /** Records the callbacks; on a timeout writes a last frame, as the chat writer does. */
    private final EventStreamResponse.Writer writer = new EventStreamResponse.Writer() {
        ServletTransport transport;

        @Override
        public void start(ServletTransport t) {
            transport = t;
            calls.add("start");
        }

        @Override
        public void writable() {
            calls.add("writable");
        }

        @Override
        public void closed(Throwable cause) {
            calls.add("closed");
        }

        @Override
        public void timedOut() {
            calls.add("timedOut");
            try {
                transport.write(new byte[] {'r'}, 0, 1);
            } catch (IOException e) {
                calls.add("write failed");
            }
        }
    };

    private AsyncListener bind() throws IOException {
        when(response.getOutputStream()).thenReturn(out);
        when(out.isReady()).thenReturn(true);
        EventStreamResponse.bind(async, response, writer);
        ArgumentCaptor<WriteListener> writeListener = ArgumentCaptor.forClass(WriteListener.class);
        verify(out).setWriteListener(writeListener.capture());
        writeListener.getValue().onWritePossible();
        ArgumentCaptor<AsyncListener> listener = ArgumentCaptor.forClass(AsyncListener.class);
        verify(async).addListener(listener.capture());
        return listener.getValue();
    }

    @Test
    void aTimeoutLetsTheWriterWriteItsLastFrameThenCompletes() throws Exception {
        AsyncListener listener = bind();
        listener.onTimeout(new AsyncEvent(async));
        assertEquals(List.of("start", "timedOut"), calls);
        InOrder order = inOrder(out, async);
        order.verify(out).write(any(byte[].class), anyInt(), anyInt());
        order.verify(async).complete();
    }

    @Test
    void anErrorClosesTheWriterAndCompletes() throws Exception {
        AsyncListener listener = bind();
        listener.onError(new AsyncEvent(async, new IOException("reset")));
        assertEquals(List.of("start", "closed"), calls);
        verify(async, times(1)).complete();
    }

    @Test
    void aWriterThatDoesNotHandleTimeoutsIsClosedByOne() throws Exception {
        EventStreamResponse.Writer plain = new EventStreamResponse.Writer() {
            @Override
            public void start(ServletTransport t) {
            }

            @Override
            public void writable() {
            }

            @Override
            public void closed(Throwable cause) {
                calls.add("closed: " + cause.getMessage());
            }
        };
        when(response.getOutputStream()).thenReturn(out);
        EventStreamResponse.bind(async, response, plain);
        ArgumentCaptor<AsyncListener> listener = ArgumentCaptor.forClass(AsyncListener.class);
        verify(async).addListener(listener.capture());
        listener.getValue().onTimeout(new AsyncEvent(async));
        assertEquals(List.of("closed: async timeout"), calls);
        verify(async).complete();
    }
}
