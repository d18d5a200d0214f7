package io.chatstream.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Reads settings by their dotted name. First found wins: the Java system property of that name, the environment
 * variable made by upper-casing it and turning {@code .} and {@code -} into {@code _}
 * ({@code chat.sse.keepalive-seconds} is {@code CHAT_SSE_KEEPALIVE_SECONDS}), the servlet context init-parameter of
 * that name, then the default.
 *
 * <p>Typed getters validate: a bad value throws {@link ConfigException} whose message names the setting, where the
 * value came from and what is accepted. Values of settings whose name ends in {@code key}, {@code token} or
 * {@code tokens} are never put in a message, nor the {@code user:password@} part of a URL. Custom backends read
 * their own settings through this class.
 */
public final class Settings {

    private final Function<String, String> systemProperties;
    private final Map<String, String> environment;
    private final Function<String, String> initParameters;
    /** The values served of settings named {@code *api-key}: the secrets a backend sends upstream. */
    private final Set<String> apiKeysRead = ConcurrentHashMap.newKeySet();

    public Settings(Function<String, String> systemProperties, Map<String, String> environment,
                    Function<String, String> initParameters) {
        this.systemProperties = Objects.requireNonNull(systemProperties);
        this.environment = Objects.requireNonNull(environment);
        this.initParameters = Objects.requireNonNull(initParameters);
    }

    /** Settings from this JVM's system properties and environment, then the given init-parameters. */
    public static Settings fromSystem(Function<String, String> initParameters) {
        return new Settings(System::getProperty, System.getenv(), initParameters);
    }

    /** Settings from a map of dotted names only (tests, embedding). */
    public static Settings of(Map<String, String> values) {
        return new Settings(values::get, Map.of(), name -> null);
    }

    /** {@code chat.sse.keepalive-seconds} -> {@code CHAT_SSE_KEEPALIVE_SECONDS}. */
    public static String environmentName(String name) {
        return name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The raw value, or null when no source sets it. An empty value counts as set. */
    public String raw(String name) {
        Source source = source(name);
        return source == null ? null : source.value;
    }

    public String string(String name, String defaultValue) {
        String value = raw(name);
        return value == null ? defaultValue : value.trim();
    }

    /** A comma-separated list; blank items dropped; empty when unset. */
    public List<String> list(String name) {
        String value = raw(name);
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    public int integer(String name, int defaultValue, int min, int max) {
        return (int) longValue(name, defaultValue, min, max);
    }

    public long longValue(String name, long defaultValue, long min, long max) {
        Source source = source(name);
        if (source == null) {
            return defaultValue;
        }
        try {
            long value = Long.parseLong(source.value.trim());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below, with what is accepted
        }
        throw bad(name, source, "a whole number from " + min + " to " + max);
    }

    public double decimal(String name, double defaultValue, double minExclusive, double max) {
        Source source = source(name);
        if (source == null) {
            return defaultValue;
        }
        try {
            double value = Double.parseDouble(source.value.trim());
            if (value > minExclusive && value <= max && Double.isFinite(value)) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below, with what is accepted
        }
        throw bad(name, source, "a number above " + minExclusive + " and at most " + max);
    }

    public boolean bool(String name, boolean defaultValue) {
        Source source = source(name);
        if (source == null) {
            return defaultValue;
        }
        return switch (source.value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw bad(name, source, "true or false");
        };
    }

    /** One of {@code allowed}, compared without case; returned in lower case. */
    public String choice(String name, String defaultValue, String... allowed) {
        Source source = source(name);
        if (source == null) {
            return defaultValue;
        }
        String value = source.value.trim().toLowerCase(Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(value)) {
                return a;
            }
        }
        throw bad(name, source, "one of " + String.join(", ", allowed));
    }

    /**
     * A setting whose values are the constants of an enum, each written as {@link #optionName(Enum)} names it
     * ({@code CHAT_COMPLETIONS} is {@code chat-completions}) and compared without case: read once at start, it is
     * then compared as a constant, never as a string.
     */
    public <E extends Enum<E>> E option(String name, E defaultValue) {
        Source source = source(name);
        if (source == null) {
            return defaultValue;
        }
        String value = source.value.trim().toLowerCase(Locale.ROOT);
        E[] constants = defaultValue.getDeclaringClass().getEnumConstants();
        List<String> names = new ArrayList<>(constants.length);
        for (E c : constants) {
            String n = optionName(c);
            if (n.equals(value)) {
                return c;
            }
            names.add(n);
        }
        throw bad(name, source, "one of " + String.join(", ", names));
    }

    /** How a setting read by {@link #option} writes {@code value}: lower case, {@code -} for {@code _}. */
    public static String optionName(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** A {@link ConfigException} for a value that breaks a rule other than its type. */
    public ConfigException invalid(String name, String expected) {
        Source source = source(name);
        return source == null ? new ConfigException(name + ": " + expected) : bad(name, source, expected);
    }

    private ConfigException bad(String name, Source source, String expected) {
        String shown = isSecret(name) ? "(hidden)" : "'" + withoutUserInfo(source.value) + "'";
        return new ConfigException("Invalid setting " + name + " = " + shown + " (from " + source.where
                + "): expected " + expected);
    }

    /**
     * A URL's {@code user:password@} (where people paste keys) is masked: {@code https://***@host/}; up to the last
     * {@code @} before any query, so that a password with a raw {@code /} or {@code @} in a malformed URL is masked
     * whole.
     */
    static String withoutUserInfo(String value) {
        return value.replaceAll("(?i)([a-z][a-z0-9+.-]*:/+)[^?#\\s]*@", "$1***@");
    }

    static boolean isSecret(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith("key") || n.endsWith("token") || n.endsWith("tokens") || n.contains("password")
                || n.contains("secret");
    }

    /**
     * The values of every setting whose name ends in {@code api-key} that was read so far, trimmed, blank ones left
     * out: the keys the backend sends upstream (a backend reads its settings when it is created), which no reply may
     * show. Empty for a backend that reads no key, such as the demo.
     */
    public Set<String> apiKeysRead() {
        return Set.copyOf(apiKeysRead);
    }

    private Source source(String name) {
        Source found = find(name);
        if (found != null && name.toLowerCase(Locale.ROOT).endsWith("api-key") && !found.value.isBlank()) {
            apiKeysRead.add(found.value.trim());
        }
        return found;
    }

    private Source find(String name) {
        String value = systemProperties.apply(name);
        if (value != null) {
            return new Source(value, "system property " + name);
        }
        String env = environmentName(name);
        value = environment.get(env);
        if (value != null) {
            return new Source(value, "environment variable " + env);
        }
        value = initParameters.apply(name);
        if (value != null) {
            return new Source(value, "context init-parameter " + name);
        }
        return null;
    }

    private record Source(String value, String where) {
    }
}
