package io.chatstream.limits;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exact text of the fields, in the Structured Field syntax of draft-ietf-httpapi-ratelimit-headers-12. */
class RateLimitFieldsTest {

    /** A List member: a String, then Parameters whose values are Integers or Byte Sequences. */
    private static final Pattern MEMBER = Pattern.compile("\"[a-z]+\"(;[a-z]+=(\\d+|:[A-Za-z0-9+/=]*:))+");

    @Test
    void policyAndCurrentForBothLimits() {
        Limits limits = new Limits(10, 100_000);
        String pk = RateLimitFields.partitionKey("203.0.113.5");
        assertEquals("\"minute\";q=10;w=60;pk=" + pk + ", \"day\";q=100000;w=86400;pk=" + pk,
                RateLimitFields.policy(limits, "203.0.113.5"));
        Decision d = new Decision(false, Limit.REPLIES_PER_MINUTE, 12, List.of(
                new Decision.State(Limit.REPLIES_PER_MINUTE, 10, 0, 12),
                new Decision.State(Limit.TOKENS_PER_DAY, 100_000, 99_120, 34_017)), null);
        assertEquals("\"minute\";r=0;t=12;pk=" + pk + ", \"day\";r=99120;t=34017;pk=" + pk,
                RateLimitFields.current(d, "203.0.113.5"));
        for (String field : List.of(RateLimitFields.policy(limits, "x"), RateLimitFields.current(d, "x"))) {
            for (String member : field.split(", ")) {
                assertTrue(MEMBER.matcher(member).matches(), member);
            }
        }
    }

    @Test
    void onlyTheLimitsThatAreOn() {
        assertEquals("\"day\";q=5;w=86400;pk=" + RateLimitFields.partitionKey("k"),
                RateLimitFields.policy(new Limits(0, 5), "k"));
        assertNull(RateLimitFields.policy(Limits.NONE, "k"));
        assertNull(RateLimitFields.current(Decision.UNLIMITED, "k"));
    }

    @Test
    void thePartitionKeyIsAByteSequenceThatDoesNotEchoTheClient() {
        String pk = RateLimitFields.partitionKey("user:alice");
        assertTrue(pk.matches(":[A-Za-z0-9+/]{12}:"), pk);
        assertFalse(pk.contains("alice"));
        assertEquals(pk, RateLimitFields.partitionKey("user:alice"), "stable for one client");
        assertFalse(pk.equals(RateLimitFields.partitionKey("user:bob")));
    }
}
