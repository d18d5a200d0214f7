package io.chatstream.web;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/**
 * The transport never reaches into a response the container has ended or that failed: containers recycle a finished
 * request's objects for the next connection, so a late call would land in another client's response.
 */
class ServletTransportTest {

    private final AsyncContext async = mock(AsyncContext.class);
    private final ServletOutputStream out = mock(ServletOutputStream.class);
    private final HttpServletResponse response = mock(HttpServletResponse.class);
    private final ServletTransport transport = new ServletTransport(async, response, out);

    /** Two writes, each with its flush, as Delivery makes them. */
    private void writeTwice(int firstLength) throws IOException {
        transport.write(new byte[firstLength], 0, firstLength);
        transport.flush();
        transport.write(new byte[] {1}, 0, 1);
        transport.flush();
    }

    @Test
    void aContainerThatBuffersIsFlushedAfterEveryWrite() throws Exception {
        when(response.isCommitted()).thenReturn(false); // Tomcat: the first frames sit in its 8 KiB buffer
        writeTwice(140);
        verify(out, times(2)).flush();
    }

    @Test
    void aContainerThatWritesThroughIsNotFlushed() throws Exception {
        when(response.isCommitted()).thenReturn(false, true); // Jetty without aggregation: sent by the write
        writeTwice(140);
        verify(out, times(2)).write(any(byte[].class), anyInt(), anyInt());
        verify(out, never()).flush();
    }

    @Test
    void onlyASmallFirstWriteOnAnUncommittedResponseTellsThatTheContainerWritesThrough() throws Exception {
        when(response.isCommitted()).thenReturn(true); // committed before: the write tells nothing
        writeTwice(140);
        verify(out, times(2)).flush();

        HttpServletResponse other = mock(HttpServletResponse.class);
        ServletOutputStream otherOut = mock(ServletOutputStream.class);
        when(other.isCommitted()).thenReturn(false, true); // a write larger than a buffer commits any container
        ServletTransport large = new ServletTransport(async, other, otherOut);
        large.write(new byte[ServletTransport.PROBE_MAX_BYTES + 1], 0, ServletTransport.PROBE_MAX_BYTES + 1);
        large.flush();
        verify(otherOut, times(1)).flush();
    }

    @Test
    void afterAFailedWriteNothingMoreIsWrittenAndTheResponseIsCompletedOnce() throws Exception {
        when(out.isReady()).thenReturn(true);
        doThrow(new IOException("Broken pipe")).when(out).write(any(byte[].class), anyInt(), anyInt());
        assertTrue(transport.isReady());
        assertThrows(IOException.class, () -> transport.write(new byte[] {1}, 0, 1));
        assertFalse(transport.isReady());
        assertThrows(IOException.class, () -> transport.flush());
        transport.complete();
        transport.complete();
        verify(async, times(1)).complete(); // a container need not end a failed response by itself
        verify(out, times(1)).isReady();
        verify(out, never()).flush();
    }

    @Test
    void aFailedResponseIsCompletedOnceWhoeverComesFirst() throws Exception {
        doThrow(new IOException("Broken pipe")).when(out).write(any(byte[].class), anyInt(), anyInt());
        assertThrows(IOException.class, () -> transport.write(new byte[] {1}, 0, 1));
        transport.complete();
        transport.ended(true); // the container's listener: it ends the response, and recycles it next
        transport.complete();
        verify(async, times(1)).complete();
    }

    @Test
    void afterTheContainerEndedTheResponseNothingMoreReachesIt() throws Exception {
        transport.ended(false);
        assertFalse(transport.isReady());
        assertThrows(IOException.class, () -> transport.write(new byte[] {1}, 0, 1));
        transport.complete();
        verify(async, never()).complete();
        verify(out, never()).isReady();
        verify(out, never()).write(any(byte[].class), anyInt(), anyInt());
    }

    @Test
    void theContainersCallbackWaitsForAWriteUnderWay() throws Exception {
        CountDownLatch inWrite = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicLong writeReturned = new AtomicLong();
        doAnswer(invocation -> {
            inWrite.countDown();
            release.await(10, TimeUnit.SECONDS);
            writeReturned.set(System.nanoTime());
            return null;
        }).when(out).write(any(byte[].class), anyInt(), anyInt());
        Thread writer = new Thread(() -> {
            try {
                transport.write(new byte[] {1}, 0, 1);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        writer.start();
        assertTrue(inWrite.await(10, TimeUnit.SECONDS));
        Thread ender = new Thread(() -> transport.ended(true));
        ender.start();
        AsyncRequestsTest.awaitParked(ender); // on the lock the write holds
        assertTrue(ender.isAlive(), "the callback returned (and the container could recycle) during a write");
        release.countDown();
        ender.join(10_000);
        writer.join(10_000);
        assertFalse(ender.isAlive());
        assertTrue(writeReturned.get() > 0);
        assertFalse(transport.isReady());
        verify(async, times(1)).complete(); // by the container's callback, after the write
    }

    @Test
    void aCallbackOfAFailureCompletesTheResponseIfNothingDid() {
        transport.ended(true);
        transport.complete();
        verify(async, times(1)).complete();
    }

    @Test
    void completeReachesTheContainerOnce() {
        transport.complete();
        transport.complete();
        verify(async, times(1)).complete();
        assertEquals(false, transport.isReady());
    }
}
