package io.chatstream.backend;

/**
 * Makes a {@link ChatBackend} known by name. Found with {@link java.util.ServiceLoader}: a jar in
 * {@code WEB-INF/lib} with a {@code META-INF/services/io.chatstream.backend.ChatBackendProvider} file naming the
 * implementation adds a backend, selected with {@code chat.backend=<name>}. The built-in backends are found the
 * same way.
 */
public interface ChatBackendProvider {

    /** The name {@code chat.backend} selects, e.g. {@code demo}. Lower case, no spaces. */
    String name();

    /**
     * Creates the backend, reading its settings from {@link BackendContext#settings()}; called once at webapp start
     * when {@code chat.backend} names this provider.
     *
     * @throws io.chatstream.config.ConfigException a setting is missing or bad: start-up stops with its message
     */
    ChatBackend create(BackendContext context);
}
