package io.kapacitystack.kapacity.backtest;

import org.junit.jupiter.api.Test;

import java.io.StringReader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceCsvTest {

    private static Trace read(String csv) throws Exception {
        return TraceCsv.read(new StringReader(csv));
    }

    private static TraceException refused(String csv) {
        return assertThrows(TraceException.class, () -> read(csv));
    }

    @Test
    void readsTheThreeTimestampFormsAndKeepsGapsAndIrregularSteps() throws Exception {
        Trace t = read("timestamp,value\n"
                + "2026-01-05T00:00:00Z,10\n"
                + "2026-01-05 00:01:00,20.5\n"
                + "\n"
                + "1767571320,0\n"           // 00:02
                + "2026-01-05T01:04:00+01:00,7\n");
        assertEquals(4, t.size());
        assertEquals(1767571200L, t.time(0));
        assertEquals(1767571260L, t.time(1));
        assertEquals(1767571320L, t.time(2));
        assertEquals(1767571440L, t.time(3)); // 01:04+01:00 is 00:04Z
        assertEquals(20.5, t.value(1));
        assertEquals(60, t.step());
        // 00:02 -> 00:04 is 2 steps: no gap
        assertEquals(1767571440L, t.holdEnd(2));
        assertEquals(1767571500L, t.end());
    }

    @Test
    void aStepLongerThanTwiceTheUsualOneIsAGap() throws Exception {
        Trace t = read("timestamp,value\n0,1\n60,1\n120,1\n600,1\n660,1\n");
        assertEquals(60, t.step());
        assertEquals(180, t.holdEnd(2)); // then unknown until 600
        assertEquals(660, t.holdEnd(3));
        assertEquals(720, t.end());
    }

    @Test
    void noHeaderIsRefusedOnLineOne() {
        TraceException e = refused("0,1\n60,2\n");
        assertEquals(1, e.line());
        assertTrue(e.getMessage().startsWith("line 1: expected the header \"timestamp,value\""), e.getMessage());
    }

    @Test
    void anUnparsableTimestampIsRefusedWithItsLine() {
        TraceException e = refused("timestamp,value\n0,1\nyesterday,2\n");
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("unparsable timestamp \"yesterday\""), e.getMessage());
    }

    @Test
    void negativeAndNaNValuesAreRefused() {
        TraceException negative = refused("timestamp,value\n0,1\n60,-2\n");
        assertEquals(3, negative.line());
        assertTrue(negative.getMessage().contains("must not be negative"), negative.getMessage());
        TraceException nan = refused("timestamp,value\n0,NaN\n60,2\n");
        assertEquals(2, nan.line());
        assertTrue(nan.getMessage().contains("finite number"), nan.getMessage());
        TraceException inf = refused("timestamp,value\n0,1\n60,Infinity\n");
        assertEquals(3, inf.line());
        TraceException text = refused("timestamp,value\n0,1\n60,many\n");
        assertTrue(text.getMessage().contains("unparsable value \"many\""), text.getMessage());
    }

    @Test
    void unsortedAndRepeatedTimestampsAreRefused() {
        TraceException back = refused("timestamp,value\n0,1\n120,1\n60,1\n");
        assertEquals(4, back.line());
        assertTrue(back.getMessage().contains("timestamps must increase"), back.getMessage());
        TraceException same = refused("timestamp,value\n0,1\n0,1\n");
        assertEquals(3, same.line());
        assertTrue(same.getMessage().contains("repeats the previous row"), same.getMessage());
    }

    @Test
    void aSingleRowOrAnEmptyFileIsRefused() {
        TraceException one = refused("timestamp,value\n0,1\n");
        assertEquals(2, one.line());
        assertTrue(one.getMessage().contains("at least two rows, found 1"), one.getMessage());
        assertTrue(refused("").getMessage().contains("empty"));
    }

    @Test
    void extraColumnsAndOverlongLinesAreRefused() {
        assertEquals(2, refused("timestamp,value\n0,1,2\n60,1\n").line());
        assertEquals(2, refused("timestamp,value\n" + "1".repeat(TraceCsv.MAX_LINE + 1) + ",1\n").line());
    }
}
