package io.chatstream.web;

import io.chatstream.protocol.ApiError;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QueryParametersTest {

    @Test
    void decodesEscapesPlusAndUtf8() throws ApiError {
        QueryParameters q = QueryParameters.parse("prompt=Hi+there%21+%E2%82%AC+%F0%9F%98%80+a%2Bb%3D%26&model=m");
        assertEquals("Hi there! € 😀 a+b=&", q.get("prompt"));
        assertEquals("m", q.get("model"));
        assertNull(q.get("nope"));
        assertEquals(List.of("prompt", "model"), List.copyOf(q.asMap().keySet()));
    }

    @Test
    void keepsRepeatsEmptyValuesAndEscapedNames() throws ApiError {
        QueryParameters q = QueryParameters.parse("a=1&&a=2&b&c=&%70rompt=x");
        assertArrayEquals(new String[] {"1", "2"}, q.asMap().get("a"));
        assertEquals("1", q.get("a"));
        assertEquals("", q.get("b"));
        assertEquals("", q.get("c"));
        assertEquals("x", q.get("prompt"));
        assertTrue(QueryParameters.parse(null).asMap().isEmpty());
        assertTrue(QueryParameters.parse("").asMap().isEmpty());
    }

    @Test
    void unescapedUnicodeAsTheContainerPassedItOnIsKept() throws ApiError {
        assertEquals("héllo 😀 %", QueryParameters.parse("p=héllo+😀+%25").get("p"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"prompt=%zz", "prompt=%", "prompt=%4", "prompt=x%G1", "prompt=%C3%28", "prompt=%E0%80",
        "prompt=%ED%A0%80", "prompt=%C0%80", "prompt=%FF", "%=1", "prompt=a%0", "prompt=\u0001", "prompt=a\u007fb"})
    void aQueryThatIsNotPercentEncodedUtf8Is400(String query) {
        ApiError e = assertThrows(ApiError.class, () -> QueryParameters.parse(query));
        assertEquals(400, e.status());
        assertEquals("invalid_request", e.code());
    }
}
