package io.chatstream.web;

import io.chatstream.testing.Await;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRequestEvent;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

class AsyncRequestsTest {

    private final AsyncRequests requests = new AsyncRequests();

    @Test
    void countsAnAsyncRequestUntilTheContainerDestroysIt() {
        HttpServletRequest req = asyncRequest();
        AsyncContext async = requests.start(req);
        verify(async).setTimeout(0);
        assertEquals(1, requests.open());
        assertSame(async, requests.start(req), "started again (a second startAsync): still one request");
        assertEquals(1, requests.open());

        requests.requestDestroyed(destroyed(asyncRequest()));
        assertEquals(1, requests.open(), "a request that never went async is not counted");

        requests.requestDestroyed(destroyed(req));
        assertEquals(0, requests.open());
        requests.requestDestroyed(destroyed(req));
        assertEquals(0, requests.open(), "destroyed twice: counted once");
    }

    @Test
    void awaitNoneWaitsForTheLastRequestAndGivesUpAfterTheWait() throws Exception {
        assertTrue(requests.awaitNone(Duration.ZERO), "nothing open");
        HttpServletRequest req = asyncRequest();
        requests.start(req);

        long t0 = System.nanoTime();
        assertFalse(requests.awaitNone(Duration.ofMillis(100)));
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(100), "waited the whole time");

        AtomicReference<Boolean> answer = new AtomicReference<>();
        Thread waiting = new Thread(() -> answer.set(requests.awaitNone(Duration.ofSeconds(30))), "awaiting-none");
        waiting.start();
        awaitParked(waiting);
        assertNull(answer.get(), "still waiting while the request is open");
        requests.requestDestroyed(destroyed(req));
        waiting.join(5000);
        assertEquals(Boolean.TRUE, answer.get(), "returns once the container destroyed the request");
    }

    /** Waits until {@code t} waits (on a lock, a condition or a join): it has reached the wait a test looks at. */
    static void awaitParked(Thread t) {
        assertTrue(Await.until(Duration.ofSeconds(10), () -> t.getState() == Thread.State.WAITING
                || t.getState() == Thread.State.TIMED_WAITING), "never waited: " + t.getState());
    }

    /** A request with attributes and a startAsync that returns a mock AsyncContext. */
    static HttpServletRequest asyncRequest() {
        HttpServletRequest req = mock(HttpServletRequest.class);
        Map<String, Object> attributes = new HashMap<>();
        when(req.getAttribute(anyString())).thenAnswer(i -> attributes.get(i.<String>getArgument(0)));
        doAnswer(i -> attributes.put(i.getArgument(0), i.getArgument(1))).when(req).setAttribute(anyString(), any());
        doAnswer(i -> attributes.remove(i.<String>getArgument(0))).when(req).removeAttribute(anyString());
        AsyncContext async = mock(AsyncContext.class);
        when(req.startAsync()).thenReturn(async);
        return req;
    }

    private static ServletRequestEvent destroyed(HttpServletRequest req) {
        return new ServletRequestEvent(mock(ServletContext.class), req);
    }
}
