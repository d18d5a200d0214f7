package io.chatstream.stream;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Masks the server's own secrets (the API keys it sends upstream) in text that goes to clients: every occurrence
 * becomes {@value #MASK}. An upstream may echo a key in its reply (a misconfigured proxy, a prompt-injected tool);
 * this is what keeps it on the server. Pure: no I/O, no logging.
 *
 * <p>Text that arrives in pieces is masked with a {@link Text}: a key split across pieces is masked as well, because
 * the end of a piece that could be the start of a key is held back until the next piece shows whether it is one.
 * At most {@code longest key length - 1} characters are held, and only while they match the start of a key; the
 * rest of a piece goes out at once. Occurrences that overlap (a key whose end starts it again, two keys sharing
 * characters) are masked as one. Apart from masking, the concatenated output equals the concatenated input.
 *
 * <p>Cost: a piece shorter than the shortest key, and not continuing a held start, costs a search of its last
 * {@code longest - 1} characters for the keys' first characters ({@link String#indexOf(int, int)}) and a comparison
 * where one is found; a longer piece adds a {@link String#indexOf(String)} per key. Neither allocates: the piece
 * itself goes out. Only a piece that ends with what could begin a key, or holds one, allocates its substrings.
 * Measured with one OpenAI-style key and token-sized pieces: some 20 to 50 ns a piece.
 *
 * <p>Values shorter than {@value #MIN_LENGTH} characters are not masked: such values are the placeholders local
 * servers take ({@code EMPTY}, {@code ollama}), not secrets, and masking them would cut ordinary words out of
 * replies.
 */
public final class SecretMasker {

    /** What a secret becomes. */
    public static final String MASK = "***";

    /** Shorter values are placeholders, not secrets. */
    public static final int MIN_LENGTH = 8;

    /** Masks nothing; {@link #isEmpty()}. */
    public static final SecretMasker NONE = new SecretMasker(new String[0]);

    /**
     * How far held text may grow while overlapping occurrences keep running into the next piece (only a key made
     * of one repeated pattern, echoed over and over, gets there); past it the held text is masked as it is.
     */
    private static final int HOLD_FACTOR = 4;

    /** Longest first, so that of two keys found at one place the longer is the one masked. */
    private final String[] secrets;
    private final int shortest;
    private final int longest;
    /** The distinct first characters of the secrets, for a quick test of where one could start. */
    private final char[] firstChars;

    private SecretMasker(String[] secrets) {
        this.secrets = secrets;
        int min = Integer.MAX_VALUE;
        int max = 0;
        StringBuilder first = new StringBuilder();
        for (String s : secrets) {
            min = Math.min(min, s.length());
            max = Math.max(max, s.length());
            if (first.indexOf(s.substring(0, 1)) < 0) {
                first.append(s.charAt(0));
            }
        }
        this.shortest = min;
        this.longest = max;
        this.firstChars = first.toString().toCharArray();
    }

    /**
     * A masker for {@code values}; null, blank and too short values (under {@value #MIN_LENGTH} characters) are left
     * out, each value is trimmed. {@link #NONE} when none is left.
     */
    public static SecretMasker of(Collection<String> values) {
        Set<String> kept = new LinkedHashSet<>();
        for (String v : values) {
            if (v != null && v.trim().length() >= MIN_LENGTH) {
                kept.add(v.trim());
            }
        }
        if (kept.isEmpty()) {
            return NONE;
        }
        List<String> sorted = new ArrayList<>(kept);
        sorted.sort(Comparator.comparingInt(String::length).reversed());
        return new SecretMasker(sorted.toArray(new String[0]));
    }

    /** True when there is nothing to mask: callers then skip masking altogether. */
    public boolean isEmpty() {
        return secrets.length == 0;
    }

    /** The number of secrets masked. */
    public int size() {
        return secrets.length;
    }

    /** {@code text} with every secret masked; the same instance when it holds none. Null stays null. */
    public String mask(String text) {
        if (text == null || isEmpty() || !occursIn(text)) {
            return text;
        }
        return new Text().scan(text, true);
    }

    /** A new masking state for one text that arrives in pieces (a reply's answer, its reasoning). */
    public Text text() {
        return new Text();
    }

    /**
     * One text that arrives in pieces. Not thread-safe: its pieces come one after another, as a backend's calls to
     * its sink do.
     */
    public final class Text {
        /** The end of the text so far that has not gone out: it could be, or is part of, a secret. */
        private String held = "";
        /** How many of the first characters of {@link #held} were already covered by a mask that went out. */
        private int heldMasked;

        private Text() {
        }

        /** True while characters are held back. */
        public boolean holds() {
            return !held.isEmpty();
        }

        /** How many characters are held back now. */
        int heldLength() {
            return held.length();
        }

        /**
         * The next piece of the text; returns what may go out now, masked (possibly empty: all of it is held). When
         * nothing is held and the piece neither holds a secret nor ends with the start of one, that is {@code piece}
         * itself.
         */
        public String next(String piece) {
            if (piece == null || piece.isEmpty()) {
                return "";
            }
            if (held.isEmpty()) {
                if (!occursIn(piece)) {
                    int p = pendingStart(piece);
                    if (p == piece.length()) {
                        return piece;
                    }
                    held = piece.substring(p);
                    return piece.substring(0, p);
                }
                return scan(piece, false);
            }
            return scan(held.concat(piece), false);
        }

        /** The text ended: what is still held, masked; empty when nothing is. */
        public String finish() {
            if (held.isEmpty()) {
                return "";
            }
            String rest = held;
            return scan(rest, true);
        }

        /**
         * Masks {@code s} (the held text, then the new piece) and returns what goes out; unless {@code last}, keeps
         * back its end where a secret may start or an occurrence may go on.
         */
        private String scan(String s, boolean last) {
            int n = s.length();
            int masked = heldMasked; // s begins with the old held text
            int pending = last ? n : pendingStart(s);
            StringBuilder out = new StringBuilder(n);
            int done = 0;
            int from = 0;
            while (true) {
                int a = -1;
                int b = -1;
                for (String sec : secrets) {
                    int k = s.indexOf(sec, from);
                    if (k >= 0 && (a < 0 || k < a)) {
                        a = k;
                        b = k + sec.length();
                    }
                }
                if (a < 0) {
                    break;
                }
                b = unionEnd(s, a, b);
                if (!last && b > pending) {
                    // the occurrence runs into the part that may go on in the next piece: decide then
                    int hold = Math.min(a, pending); // a longer secret may have started before this one
                    if (n - hold <= HOLD_FACTOR * longest) {
                        raw(out, s, done, hold, masked);
                        held = s.substring(hold);
                        heldMasked = Math.max(0, masked - hold);
                        return out.toString();
                    }
                    raw(out, s, done, a, masked);
                    out.append(MASK); // covers everything up to the end, held part included
                    held = s.substring(pending);
                    heldMasked = held.length();
                    return out.toString();
                }
                raw(out, s, done, a, masked);
                out.append(MASK);
                done = b;
                from = b;
            }
            raw(out, s, done, pending, masked);
            held = pending == n ? "" : s.substring(pending);
            heldMasked = Math.max(0, masked - pending);
            return out.toString();
        }
    }

    /** Appends {@code s[from, to)} without its first {@code masked} characters, which a mask already covered. */
    private static void raw(StringBuilder out, String s, int from, int to, int masked) {
        int start = Math.max(from, masked);
        if (start < to) {
            out.append(s, start, to);
        }
    }

    /** The end of the run of overlapping occurrences that starts with {@code [a, b)}. */
    private int unionEnd(String s, int a, int b) {
        boolean grown = true;
        while (grown) {
            grown = false;
            for (String sec : secrets) {
                for (int k = s.indexOf(sec, a + 1); k >= 0 && k < b; k = s.indexOf(sec, k + 1)) {
                    if (k + sec.length() > b) {
                        b = k + sec.length();
                        grown = true;
                    }
                }
            }
        }
        return b;
    }

    /** True when some secret occurs in {@code s}. */
    private boolean occursIn(String s) {
        if (s.length() < shortest) {
            return false;
        }
        for (String sec : secrets) {
            if (s.indexOf(sec) >= 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Where the longest end of {@code s} begins that is the start (shorter than the whole) of a secret;
     * {@code s.length()} when no end of it is.
     */
    private int pendingStart(String s) {
        int n = s.length();
        int from = Math.max(0, n - longest + 1);
        int best = n;
        for (char f : firstChars) {
            // String.indexOf(char) is a vectorised intrinsic: most pieces hold no first character at all
            for (int j = s.indexOf(f, from); j >= 0 && j < best; j = s.indexOf(f, j + 1)) {
                if (startsSecret(s, j)) {
                    best = j;
                    break;
                }
            }
        }
        return best;
    }

    /** True when {@code s} from {@code j} to its end is the start, shorter than the whole, of some secret. */
    private boolean startsSecret(String s, int j) {
        int rest = s.length() - j;
        for (String sec : secrets) {
            if (sec.length() > rest && s.regionMatches(j, sec, 0, rest)) {
                return true;
            }
        }
        return false;
    }
}
