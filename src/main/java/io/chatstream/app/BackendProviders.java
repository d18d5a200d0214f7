package io.chatstream.app;

import io.chatstream.backend.ChatBackendProvider;
import io.chatstream.config.ConfigException;

import java.lang.System.Logger.Level;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Finds the backend that {@code chat.backend} names among the providers on the class path: the built-in ones and
 * any jar dropped into {@code WEB-INF/lib}, all through {@link ServiceLoader}. A provider that fails to load is
 * skipped with one line, so a broken extra jar does not take the built-in backends down with it.
 */
final class BackendProviders {

    private static final System.Logger LOG = System.getLogger(BackendProviders.class.getName());

    private BackendProviders() {
    }

    /** The provider named {@code name}, found through {@link ServiceLoader}. */
    static ChatBackendProvider find(String name, ClassLoader classLoader) {
        TreeMap<String, ChatBackendProvider> found = new TreeMap<>();
        ServiceLoader<ChatBackendProvider> loader = ServiceLoader.load(ChatBackendProvider.class, classLoader);
        var it = loader.iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                ChatBackendProvider p = it.next();
                found.putIfAbsent(p.name(), p);
            } catch (ServiceConfigurationError e) {
                LOG.log(Level.WARNING, "A chat backend could not be loaded and is skipped: " + e.getMessage());
            }
        }
        ChatBackendProvider provider = found.get(name);
        if (provider == null) {
            throw new ConfigException("Invalid setting chat.backend = '" + name + "': expected one of "
                    + String.join(", ", found.keySet()) + " (the backends found on the classpath)");
        }
        return provider;
    }
}
