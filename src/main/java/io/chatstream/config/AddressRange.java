package io.chatstream.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IP address or a CIDR block ({@code 10.0.0.7}, {@code 10.0.0.0/8}, {@code ::1}, {@code fd00::/8}), as given in
 * {@code chat.limits.trusted-proxies}. Parsing never asks DNS: a host name is refused, not resolved.
 */
public final class AddressRange {

    private final byte[] network;
    private final int prefixBits;

    private AddressRange(byte[] network, int prefixBits) {
        this.network = network;
        this.prefixBits = prefixBits;
    }

    /**
     * Parses {@code address} or {@code address/prefix}.
     *
     * @throws IllegalArgumentException when it is no IP literal or the prefix does not fit the address
     */
    public static AddressRange parse(String value) {
        String s = value.trim();
        int slash = s.indexOf('/');
        byte[] address = literal(slash < 0 ? s : s.substring(0, slash));
        if (address == null) {
            throw new IllegalArgumentException("not an IP address: " + value);
        }
        int bits = address.length * 8;
        if (slash >= 0) {
            String prefix = s.substring(slash + 1);
            if (prefix.isEmpty() || prefix.length() > 3 || !prefix.chars().allMatch(c -> c >= '0' && c <= '9')
                    || Integer.parseInt(prefix) > bits) {
                throw new IllegalArgumentException("not a prefix length from 0 to " + bits + ": " + value);
            }
            bits = Integer.parseInt(prefix);
        }
        return new AddressRange(mask(address, bits), bits);
    }

    /** True when {@code address} (from {@link #literal}) lies in this range. */
    public boolean contains(byte[] address) {
        return address != null && address.length == network.length && Arrays.equals(mask(address, prefixBits),
                network);
    }

    /**
     * The bytes of an IP literal: dotted-quad IPv4 or IPv6 (brackets allowed; an IPv4-mapped IPv6 address gives its
     * IPv4 bytes), or null when {@code s} is anything else. Never asks DNS.
     */
    public static byte[] literal(String s) {
        if (s == null) {
            return null;
        }
        String a = s.trim();
        if (a.length() > 2 && a.charAt(0) == '[' && a.charAt(a.length() - 1) == ']') {
            a = a.substring(1, a.length() - 1);
        }
        if (a.isEmpty() || a.length() > 45) {
            return null;
        }
        if (a.indexOf(':') < 0) {
            return ipv4(a);
        }
        // only hex digits, colons and dots (an embedded IPv4 tail): InetAddress then parses it as a literal and
        // never looks it up; a zone id (%eth0) is refused
        for (int i = 0; i < a.length(); i++) {
            char c = a.charAt(i);
            if (Character.digit(c, 16) < 0 && c != ':' && c != '.') {
                return null;
            }
        }
        if (a.charAt(0) == '.') {
            return null;
        }
        try {
            return InetAddress.getByName(a).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** The canonical text of an address from {@link #literal}, so equal addresses count as one client. */
    public static String text(byte[] address) {
        try {
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("an address has 4 or 16 bytes", e);
        }
    }

    private static byte[] ipv4(String a) {
        String[] parts = a.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    private static byte[] mask(byte[] address, int bits) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, bits - i * 8));
            out[i] &= (byte) (0xff << (8 - keep));
        }
        return out;
    }

    @Override
    public String toString() {
        return text(network) + "/" + prefixBits;
    }
}
