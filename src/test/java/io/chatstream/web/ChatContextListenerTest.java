package io.chatstream.web;

import io.chatstream.testing.Await;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletRequestEvent;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.RETURNS_DEEP_STUBS;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/**
 * The webapp's stop returns only once the container has finished the requests it ended: the container finishes
 * them on its own threads, in the webapp's context, and a webapp unloaded before that is unloaded under them.
 */
class ChatContextListenerTest {

    @Test
    void theStopWaitsUntilTheContainerHasDestroyedEveryAsyncRequest() throws Exception {
        ServletContext ctx = mock(ServletContext.class, RETURNS_DEEP_STUBS);
        when(ctx.getClassLoader()).thenReturn(getClass().getClassLoader());
        when(ctx.getInitParameter(anyString())).thenReturn(null);
        when(ctx.getInitParameter("chat.store.url")).thenReturn("off");
        ChatContextListener listener = new ChatContextListener();
        listener.contextInitialized(new ServletContextEvent(ctx));
        ArgumentCaptor<AsyncRequests> registered = ArgumentCaptor.forClass(AsyncRequests.class);
        verify(ctx).addListener(registered.capture());
        AsyncRequests requests = registered.getValue();
        Thread exitHook = listener.exitHook();
        assertNotNull(exitHook);
        assertTrue(Runtime.getRuntime().removeShutdownHook(exitHook), "an exit hook is registered while it runs");
        Runtime.getRuntime().addShutdownHook(exitHook);

        HttpServletRequest req = AsyncRequestsTest.asyncRequest();
        requests.start(req); // a stream's request, which the stop below ends

        CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> listener.contextDestroyed(
                new ServletContextEvent(ctx)));
        assertTrue(Await.until(Duration.ofSeconds(10), requests::awaited), "the stop came to its last step");
        assertFalse(stop.isDone(), "the stop waits while the container has not finished the request");
        requests.requestDestroyed(new ServletRequestEvent(ctx, req));
        stop.get(5, TimeUnit.SECONDS);
        assertTrue(stop.isDone());
        assertFalse(Runtime.getRuntime().removeShutdownHook(exitHook), "the stop unregistered the exit hook");
    }
}
