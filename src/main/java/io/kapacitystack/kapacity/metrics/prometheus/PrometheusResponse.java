package io.kapacitystack.kapacity.metrics.prometheus;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.kapacitystack.kapacity.metrics.AnswerBudget;
import io.kapacitystack.kapacity.metrics.Point;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.kapacitystack.kapacity.metrics.MetricsException;
import java.io.InputStream;

/**
 * One answer of Prometheus' HTTP API v1, read in a single streaming pass straight into series and points: a one-day
 * range answer has 1,440 points, and building a JSON tree first cost more CPU than the rest of the call. Unknown
 * fields (e.g. {@code stats}, {@code infos}) are skipped, so newer Prometheus versions still parse.
 *
 * @param result   the series of a {@code vector} (one point each) or {@code matrix} answer
 * @param labelSets the {@code data} of a {@code /api/v1/series} answer
 */
record PrometheusResponse(String status, String errorType, String error, List<String> warnings, String resultType,
                          List<PrometheusClient.RawSeries> result, List<Map<String, String>> labelSets) {

    private static final JsonFactory JSON = new JsonFactory();

    boolean success() {
        return "success".equals(status);
    }

    /** @throws IOException if {@code body} is not JSON of the API's shape */
    static PrometheusResponse parse(byte[] body) throws IOException {
        return parse(body, AnswerBudget.unlimited());
    }

    /**
     * As {@link #parse(byte[])}, charging each series of the result to {@code budget} as it is read.
     *
     * @throws MetricsException RESOURCE_EXHAUSTED once the budget is passed
     */
    static PrometheusResponse parse(byte[] body, AnswerBudget budget) throws IOException {
        return parse(JSON.createParser(body), budget);
    }

    /** As {@link #parse(byte[], AnswerBudget)}, reading the body in place (no copy of a large answer). */
    static PrometheusResponse parse(InputStream body, AnswerBudget budget) throws IOException {
        return parse(JSON.createParser(body), budget);
    }

    private static PrometheusResponse parse(JsonParser parser, AnswerBudget budget) throws IOException {
        try (JsonParser p = parser) {
            expect(p.nextToken(), JsonToken.START_OBJECT, p);
            String status = null;
            String errorType = null;
            String error = null;
            List<String> warnings = List.of();
            String resultType = null;
            List<PrometheusClient.RawSeries> result = List.of();
            List<Map<String, String>> labelSets = List.of();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "status" -> status = p.getValueAsString();
                    case "errorType" -> errorType = p.getValueAsString();
                    case "error" -> error = p.getValueAsString();
                    case "warnings" -> warnings = strings(p, value);
                    case "data" -> {
                        if (value == JsonToken.START_ARRAY) {
                            labelSets = new ArrayList<>();
                            while (p.nextToken() == JsonToken.START_OBJECT) {
                                labelSets.add(labels(p));
                            }
                        } else if (value == JsonToken.START_OBJECT) {
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String dataField = p.currentName();
                                JsonToken dataValue = p.nextToken();
                                if (dataField.equals("resultType")) {
                                    resultType = p.getValueAsString();
                                } else if (dataField.equals("result") && dataValue == JsonToken.START_ARRAY) {
                                    result = series(p, budget);
                                } else {
                                    p.skipChildren();
                                }
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            return new PrometheusResponse(status, errorType, error, warnings, resultType, result, labelSets);
        }
    }

    private static void expect(JsonToken actual, JsonToken expected, JsonParser p) throws IOException {
        if (actual != expected) {
            throw new IOException("expected " + expected + " but found " + actual + " at " + p.currentLocation());
        }
    }

    private static List<String> strings(JsonParser p, JsonToken value) throws IOException {
        if (value != JsonToken.START_ARRAY) {
            p.skipChildren();
            return List.of();
        }
        List<String> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            out.add(p.getValueAsString());
            p.skipChildren();
        }
        return out;
    }

    /** The members of the object whose START_OBJECT was just read, values as text. */
    private static Map<String, String> labels(JsonParser p) throws IOException {
        Map<String, String> labels = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (v.isScalarValue()) {
                labels.put(name, p.getText());
            } else {
                p.skipChildren();
            }
        }
        return labels;
    }

    private static List<PrometheusClient.RawSeries> series(JsonParser p, AnswerBudget budget) throws IOException {
        List<PrometheusClient.RawSeries> out = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_OBJECT) {
            Map<String, String> labels = Map.of();
            List<Point> points = new ArrayList<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                switch (field) {
                    case "metric" -> {
                        if (v == JsonToken.START_OBJECT) {
                            labels = labels(p);
                        } else {
                            p.skipChildren();
                        }
                    }
                    case "value" -> points.add(point(p, v));
                    case "values" -> {
                        expect(v, JsonToken.START_ARRAY, p);
                        if (points.isEmpty()) {
                            points = new ArrayList<>(256);
                        }
                        JsonToken t;
                        while ((t = p.nextToken()) == JsonToken.START_ARRAY) {
                            points.add(point(p, t));
                        }
                        expect(t, JsonToken.END_ARRAY, p);
                    }
                    default -> p.skipChildren(); // e.g. histograms of native-histogram series
                }
            }
            budget.chargeSeries(points.size());
            out.add(new PrometheusClient.RawSeries(labels, points));
        }
        return out;
    }

    /** {@code [<unix seconds>, "<value>"]}, whose START_ARRAY was just read. */
    private static Point point(JsonParser p, JsonToken start) throws IOException {
        expect(start, JsonToken.START_ARRAY, p);
        JsonToken t = p.nextToken();
        long millis;
        if (t == JsonToken.VALUE_NUMBER_INT) {
            millis = Math.multiplyExact(p.getLongValue(), 1000L);
        } else if (t == JsonToken.VALUE_NUMBER_FLOAT) {
            millis = timestampMillis(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
        } else {
            throw new IOException("expected a timestamp but found " + t + " at " + p.currentLocation());
        }
        expect(p.nextToken(), JsonToken.VALUE_STRING, p);
        double value = parseValue(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
        expect(p.nextToken(), JsonToken.END_ARRAY, p);
        return new Point(millis, value);
    }

    /** Whole seconds from here on are left to double: more digits would overflow the milliseconds. */
    private static final long MAX_SECONDS = 1_000_000_000_000_000L;

    /**
     * Unix seconds with a fraction (Prometheus writes millisecond timestamps as {@code 1763769600.123}) to
     * milliseconds, exactly for up to three fraction digits and rounded beyond; exponents go through double.
     */
    static long timestampMillis(char[] c, int off, int len) {
        long seconds = 0;
        int i = off;
        int end = off + len;
        boolean negative = i < end && c[i] == '-';
        if (negative) {
            i++;
        }
        for (; i < end && c[i] >= '0' && c[i] <= '9' && seconds < MAX_SECONDS; i++) {
            seconds = seconds * 10 + (c[i] - '0');
        }
        long fraction = 0;
        int digits = 0;
        if (i < end && c[i] == '.') {
            for (i++; i < end && c[i] >= '0' && c[i] <= '9'; i++) {
                if (digits < 4) {
                    fraction = fraction * 10 + (c[i] - '0');
                    digits++;
                }
            }
        }
        if (i != end || seconds >= MAX_SECONDS) {
            return Math.round(Double.parseDouble(new String(c, off, len)) * 1000);
        }
        while (digits < 4) {
            fraction *= 10;
            digits++;
        }
        long millis = seconds * 1000 + (fraction + 5) / 10; // fraction has 4 digits: round the fourth
        return negative ? -millis : millis;
    }

    private static final double[] POWERS_OF_TEN = new double[23];

    static {
        double d = 1;
        for (int i = 0; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = d;
            d *= 10;
        }
    }

    /** Mantissas up to this are exact doubles (2^53). */
    private static final long EXACT_MANTISSA = 1L << 53;

    /** Significant digits that still fit a long. */
    private static final int MAX_DIGITS = 18;

    /**
     * A sample value as Prometheus writes it ({@code strconv.FormatFloat(v, 'f', -1, 64)}, or {@code NaN},
     * {@code +Inf}, {@code -Inf}), the same double as {@link Double#parseDouble} gives. A plain decimal whose digits
     * form an integer up to 2^53 with at most 22 fraction digits is exactly {@code digits / 10^k} (both operands
     * exact, one correctly rounded division: Clinger's fast path); up to 18 significant digits
     * {@link DecimalToDouble#eiselLemire}; anything else (or what that cannot decide) {@link Double#parseDouble}.
     */
    static double parseValue(char[] c, int off, int len) {
        int i = off;
        int end = off + len;
        boolean negative = false;
        if (i < end && (c[i] == '-' || c[i] == '+')) {
            negative = c[i] == '-';
            i++;
        }
        long mantissa = 0;
        int digits = 0;
        int fractionDigits = 0;
        boolean seenDigit = false;
        boolean seenPoint = false;
        for (; i < end; i++) {
            char ch = c[i];
            if (ch >= '0' && ch <= '9') {
                seenDigit = true;
                if (mantissa != 0 || ch != '0') {
                    if (++digits > MAX_DIGITS) {
                        break;
                    }
                }
                mantissa = mantissa * 10 + (ch - '0');
                if (seenPoint) {
                    fractionDigits++;
                }
            } else if (ch == '.' && !seenPoint) {
                seenPoint = true;
            } else {
                break;
            }
        }
        if (i == end && seenDigit) {
            if (mantissa <= EXACT_MANTISSA && fractionDigits < POWERS_OF_TEN.length) {
                double v = fractionDigits == 0 ? mantissa : mantissa / POWERS_OF_TEN[fractionDigits];
                return negative ? -v : v;
            }
            long bits = DecimalToDouble.eiselLemire(mantissa, -fractionDigits, negative);
            if (bits != DecimalToDouble.UNDECIDED) {
                return Double.longBitsToDouble(bits);
            }
        }
        return PrometheusClient.parseValue(new String(c, off, len));
    }
}
