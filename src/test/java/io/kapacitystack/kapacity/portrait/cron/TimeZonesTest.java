package io.kapacitystack.kapacity.portrait.cron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Go's time.LoadLocation: what a ReplicaCron timeZone may say. */
class TimeZonesTest {

    @Test
    void emptyNullAndUtcAreUtc() {
        assertEquals(ZoneOffset.UTC, TimeZones.load(""));
        assertEquals(ZoneOffset.UTC, TimeZones.load(null));
        assertEquals(ZoneOffset.UTC, TimeZones.load("UTC"));
    }

    @Test
    void localIsTheJvmZone() {
        assertEquals(ZoneId.systemDefault(), TimeZones.load("Local"));
    }

    @ParameterizedTest
    @CsvSource({"Asia/Shanghai", "America/New_York", "Europe/Berlin", "Etc/GMT+8", "GMT", "EST5EDT"})
    void ianaNames(String name) {
        assertEquals(ZoneId.of(name), TimeZones.load(name));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @CsvSource(delimiter = '|', textBlock = """
            Mars/Olympus      | unknown time zone Mars/Olympus
            asia/shanghai     | unknown time zone asia/shanghai
            +08:00            | unknown time zone +08:00
            UTC+8             | unknown time zone UTC+8
            GMT+8             | unknown time zone GMT+8
            Z                 | unknown time zone Z
            ../etc/passwd     | time: invalid location name
            /etc/localtime    | time: invalid location name
            """)
    void rejectsWhatGoRejects(String name, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> TimeZones.load(name)).getMessage());
    }
}
