package io.kapacitystack.kapacity.console;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HtmlTest {

    @Test
    void timesAreShownToTheSecondAndEscaped() {
        assertEquals("2026-11-23T05:47:51Z", Html.time("2026-11-23T05:47:51.170592809Z"));
        assertEquals("2026-11-23T05:47:51Z", Html.time(Instant.parse("2026-11-23T05:47:51.999Z")));
        assertEquals("2026-11-23T05:47:51Z", Html.time("2026-11-23T05:47:51Z"));
        assertEquals("&lt;not a time&gt;", Html.time("<not a time>"));
        assertEquals("", Html.time(null));
    }
}
