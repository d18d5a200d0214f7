package io.chatstream.web;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
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
    private final ServletTransport transport = new ServletTransport(async, out, true);

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
        Thread.sleep(200);
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
