package io.chatstream.stream;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Stream ids: 128 random bits from {@link SecureRandom}, base64url without padding (22 characters of
 * {@code [A-Za-z0-9_-]}), so they are unguessable and safe in a URL, a header and an SSE {@code id:} line.
 */
public final class StreamIds {

    /**
     * One generator per thread: the default {@code NativePRNG} instances of a JVM share one lock, and under a burst
     * of new streams every request thread queued on it. DRBG (NIST SP 800-90A, seeded from the system) is as strong,
     * and each thread's instance is its own.
     */
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(StreamIds::newRandom);
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private StreamIds() {
    }

    public static String next() {
        byte[] bytes = new byte[16];
        RANDOM.get().nextBytes(bytes);
        return ENCODER.encodeToString(bytes);
    }

    private static SecureRandom newRandom() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom(); // every Java 9+ has DRBG; keep working regardless
        }
    }

    /** True when {@code s} has the form of an id (it may still be unknown). */
    public static boolean isWellFormed(String s) {
        if (s == null || s.length() != 22) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
