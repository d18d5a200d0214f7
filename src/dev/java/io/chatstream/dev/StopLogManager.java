package io.chatstream.dev;

import java.util.logging.LogManager;

/**
 * The dev server's {@code java.util.logging} manager. The JDK's own closes every handler from a shutdown hook of its
 * own, which runs beside the dev server's stop (Ctrl+C, SIGTERM), so what the stop says was lost: a cluster node's
 * {@code Draining ...} and {@code Drained in ...}, and {@code Chat server stopped}. This one leaves the handlers
 * open at exit; the console handler flushes each line as it is written, so nothing is left unwritten.
 */
public final class StopLogManager extends LogManager {

    /** The JDK's exit hook is an instance of this class (a private nested {@link Thread} of {@link LogManager}). */
    private static final String JDK_EXIT_HOOK = LogManager.class.getName() + "$Cleaner";

    public StopLogManager() {
        // instantiated by the JDK, named by the system property java.util.logging.manager
    }

    @Override
    public void reset() {
        if (Thread.currentThread().getClass().getName().equals(JDK_EXIT_HOOK)) {
            return; // at exit: the stop still logs
        }
        super.reset();
    }
}
