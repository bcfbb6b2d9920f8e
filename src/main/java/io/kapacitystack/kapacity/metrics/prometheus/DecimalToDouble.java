package io.kapacitystack.kapacity.metrics.prometheus;

import java.math.BigInteger;

/**
 * Decimal to double without {@link Double#parseDouble}'s big-integer slow path, which most of Prometheus's sample
 * values (17 significant digits, as Go writes the shortest round-tripping form) fell into and which was then the
 * largest cost of a one-day Query. The Eisel–Lemire algorithm (D. Lemire, "Number Parsing at a Gigabyte per
 * Second", 2021; the form of Go's {@code strconv}): one 64×128-bit multiplication by a table of powers of ten gives
 * the correctly rounded double, or says it cannot decide, and then the caller falls back to
 * {@link Double#parseDouble}. Tested against it value for value.
 */
final class DecimalToDouble {

    static final int MIN_EXP10 = -348;
    static final int MAX_EXP10 = 347;

    /** Rounded-down 128-bit mantissas of 10^e, e in [MIN_EXP10, MAX_EXP10]: high and low 64 bits. */
    private static final long[] POW10_HI = new long[MAX_EXP10 - MIN_EXP10 + 1];
    private static final long[] POW10_LO = new long[MAX_EXP10 - MIN_EXP10 + 1];

    static {
        BigInteger mask64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
        for (int e = MIN_EXP10; e <= MAX_EXP10; e++) {
            BigInteger m;
            if (e >= 0) {
                BigInteger p = BigInteger.TEN.pow(e);
                int shift = 128 - p.bitLength();
                m = shift >= 0 ? p.shiftLeft(shift) : p.shiftRight(-shift);
            } else {
                BigInteger p = BigInteger.TEN.pow(-e);
                m = BigInteger.ONE.shiftLeft(127 + p.bitLength()).divide(p); // in [2^127, 2^128)
            }
            POW10_HI[e - MIN_EXP10] = m.shiftRight(64).longValue();
            POW10_LO[e - MIN_EXP10] = m.and(mask64).longValue();
        }
    }

    /** Sentinel for "undecided": not a double bit pattern this method returns for finite input. */
    static final long UNDECIDED = -1L;

    private DecimalToDouble() {
    }

    private static long unsignedMultiplyHigh(long a, long b) {
        return Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a);
    }

    /**
     * The bits of the double nearest to {@code man × 10^exp10} ({@code man} unsigned, non-zero), or
     * {@link #UNDECIDED} when the algorithm cannot tell (then use {@link Double#parseDouble}), and for subnormal
     * or infinite results.
     */
    static long eiselLemire(long man, int exp10, boolean negative) {
        if (man == 0 || exp10 < MIN_EXP10 || exp10 > MAX_EXP10) {
            return UNDECIDED;
        }
        int clz = Long.numberOfLeadingZeros(man);
        man <<= clz;
        long retExp2 = ((217706L * exp10) >> 16) + 64 + 1023 - clz;
        int index = exp10 - MIN_EXP10;
        long xHi = unsignedMultiplyHigh(man, POW10_HI[index]);
        long xLo = man * POW10_HI[index];
        if ((xHi & 0x1FF) == 0x1FF && Long.compareUnsigned(xLo + man, man) < 0) {
            long yHi = unsignedMultiplyHigh(man, POW10_LO[index]);
            long yLo = man * POW10_LO[index];
            long mergedHi = xHi;
            long mergedLo = xLo + yHi;
            if (Long.compareUnsigned(mergedLo, xLo) < 0) {
                mergedHi++;
            }
            if ((mergedHi & 0x1FF) == 0x1FF && mergedLo + 1 == 0 && Long.compareUnsigned(yLo + man, man) < 0) {
                return UNDECIDED;
            }
            xHi = mergedHi;
            xLo = mergedLo;
        }
        long msb = xHi >>> 63;
        long mantissa = xHi >>> (msb + 9);
        retExp2 -= 1 ^ msb;
        if (xLo == 0 && (xHi & 0x1FF) == 0 && (mantissa & 3) == 1) {
            return UNDECIDED; // exactly half-way: let the slow path round to even
        }
        mantissa += mantissa & 1;
        mantissa >>>= 1;
        if ((mantissa >>> 53) > 0) {
            mantissa >>>= 1;
            retExp2 += 1;
        }
        if (retExp2 <= 0 || retExp2 >= 0x7FF) {
            return UNDECIDED;
        }
        long bits = retExp2 << 52 | mantissa & 0x000FFFFFFFFFFFFFL;
        return negative ? bits | 0x8000000000000000L : bits;
    }
}
