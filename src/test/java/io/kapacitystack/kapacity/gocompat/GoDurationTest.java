package io.kapacitystack.kapacity.gocompat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Go's time.ParseDuration, the grammar of {@code @every}: same accepted strings, same values, Go's messages. */
class GoDurationTest {

    @ParameterizedTest(name = "[{index}] {0} = {1} ns")
    @CsvSource(delimiter = '|', textBlock = """
            0                     | 0
            +0                    | 0
            1h30m                 | 5400000000000
            1.5h                  | 5400000000000
            90s                   | 90000000000
            2h45m30.5s            | 9930500000000
            300ms                 | 300000000
            1us                   | 1000
            1µs                   | 1000
            1μs                   | 1000
            1ns                   | 1
            .5s                   | 500000000
            1.s                   | 1000000000
            -1m                   | -60000000000
            +2s                   | 2000000000
            1h1h                  | 7200000000000
            0.000000001s          | 1
            1.0000000000000000001s | 1000000000
            9223372036854775807ns | 9223372036854775807
            -9223372036854775808ns | -9223372036854775808
            """)
    void parses(String text, long nanos) {
        assertEquals(nanos, GoDuration.parseNanos(text));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            ``                    | time: invalid duration ""
            -                     | time: invalid duration "-"
            1                     | time: missing unit in duration "1"
            h                     | time: invalid duration "h"
            .s                    | time: invalid duration ".s"
            1H                    | time: unknown unit "H" in duration "1H"
            1d                    | time: unknown unit "d" in duration "1d"
            --1s                  | time: invalid duration "--1s"
            ` 1h`                 | time: invalid duration " 1h"
            1h.                   | time: invalid duration "1h."
            9223372036854775808ns | time: invalid duration "9223372036854775808ns"
            3000000h              | time: invalid duration "3000000h"
            """)
    void rejects(String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> GoDuration.parseNanos(text))
                .getMessage());
    }
}
