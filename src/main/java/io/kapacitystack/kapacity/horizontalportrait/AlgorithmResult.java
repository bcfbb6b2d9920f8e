package io.kapacitystack.kapacity.horizontalportrait;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.JsonFactory;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortraitStatus;
import io.kapacitystack.kapacity.api.v1alpha1.KubeTime;
import io.kapacitystack.kapacity.gocompat.GoStrings;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The result an external algorithm job leaves in its ConfigMap {@code <hp>-result}, read into portrait data
 * (upstream: {@code pkg/portrait/generator/externaljob/resultfetcher/configmap.go}). Pure: the data map in, the
 * portrait data or a message out, worded as upstream words it.
 *
 * <p>One deliberate difference (docs/compatibility.md): a timestamp key written as an integral float
 * ({@code "1695290640.0"}, which Kapacity's own Python job writes) is accepted as that integer; upstream's controller
 * rejects it, so its own job never worked end to end. A key with a fraction ({@code "1695290640.5"}) is still
 * refused. Every key the job adds besides {@code type}, {@code timeSeries} and {@code expireTime} is kept as the
 * job's report (our built-in job publishes its model and backtest error there; see docs/predictive.md).
 */
public final class AlgorithmResult {

    public static final String TYPE = "type";
    public static final String TIME_SERIES = "timeSeries";
    public static final String EXPIRE_TIME = "expireTime";
    /** Written instead of a series by a job that declines to forecast, with its reason. */
    public static final String REFUSED = "refused";
    /** A ConfigMap value is at most 1 MiB in a cluster; a longer report value is cut, never copied into status whole. */
    static final int MAX_REPORT_VALUE = 256;
    static final int MAX_REPORT_KEYS = 16;
    /** Far more points than any job writes (two weeks at one-minute buckets is 20,160); bounds the status we write. */
    static final int MAX_POINTS = 50_000;

    private static final JsonFactory JSON = JsonFactory.builder().disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    /** The parsed result: the portrait data to publish, and the job's own keys (sorted), possibly empty. */
    public record Parsed(HorizontalPortraitStatus.PortraitData data, Map<String, String> report) {
    }

    /** A result that cannot be used; the message is the condition's and the event's. */
    public static final class InvalidResultException extends Exception {
        public InvalidResultException(String message) {
            super(message);
        }
    }

    private AlgorithmResult() {
    }

    public static String configMapName(String hpName) {
        return hpName + "-result";
    }

    /** The HorizontalPortrait a ConfigMap name belongs to, or null when it is not a result's name. */
    public static String portraitNameOf(String configMapName) {
        if (configMapName == null || !configMapName.endsWith("-result") || configMapName.length() == "-result".length()) {
            return null;
        }
        return configMapName.substring(0, configMapName.length() - "-result".length());
    }

    public static Parsed parse(Map<String, String> data) throws InvalidResultException {
        if (data == null || data.get(TYPE) == null) {
            throw new InvalidResultException("invalid result data: missing \"type\"");
        }
        String type = data.get(TYPE);
        if (!"TimeSeries".equals(type)) {
            throw new InvalidResultException("unsupported result type " + quote(type));
        }
        String series = data.get(TIME_SERIES);
        if (series == null && data.get(REFUSED) != null) {
            // the built-in job's refusal (docs/predictive.md): its reason is the condition's, not a missing key
            throw new InvalidResultException("the algorithm job made no forecast: " + bounded(data.get(REFUSED)));
        }
        if (series == null) {
            throw new InvalidResultException("invalid result data: missing \"timeSeries\"");
        }
        HorizontalPortraitStatus.PortraitData portrait = new HorizontalPortraitStatus.PortraitData();
        portrait.type = HorizontalPortraitStatus.PortraitData.Type.TimeSeries;
        portrait.timeSeries = new HorizontalPortraitStatus.TimeSeriesData();
        portrait.timeSeries.timeSeries = points(series);
        String expire = data.get(EXPIRE_TIME);
        if (expire != null && !expire.isEmpty()) {
            try {
                Instant at = KubeTime.parse(expire);
                portrait.expireTime = KubeTime.format(at);
            } catch (DateTimeParseException e) {
                throw new InvalidResultException("failed to parse \"expireTime\": " + e.getMessage());
            }
        }
        return new Parsed(portrait, report(data));
    }

    private static List<HorizontalPortraitStatus.TimeSeriesPoint> points(String json) throws InvalidResultException {
        Map<Long, Integer> byTime = new TreeMap<>();
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidResultException("failed to unmarshal \"timeSeries\": not a JSON object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                long timestamp = timestamp(key);
                JsonToken value = p.nextToken();
                if (value != JsonToken.VALUE_NUMBER_INT) {
                    throw new InvalidResultException("failed to unmarshal \"timeSeries\": the replicas at " + quote(key)
                            + " are not an integer");
                }
                long replicas = p.getValueAsLong();
                if (replicas < 0 || replicas > Integer.MAX_VALUE || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    throw new InvalidResultException("failed to unmarshal \"timeSeries\": the replicas at " + quote(key)
                            + " are out of range (0 to 2147483647)");
                }
                if (byTime.put(timestamp, (int) replicas) != null) {
                    throw new InvalidResultException("failed to unmarshal \"timeSeries\": duplicate timestamp " + timestamp);
                }
                if (byTime.size() > MAX_POINTS) {
                    throw new InvalidResultException("failed to unmarshal \"timeSeries\": more than " + MAX_POINTS + " points");
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new InvalidResultException("failed to unmarshal \"timeSeries\": not a JSON object");
            }
        } catch (IOException e) {
            throw new InvalidResultException("failed to unmarshal \"timeSeries\": " + firstLine(e.getMessage()));
        }
        if (byTime.isEmpty()) {
            throw new InvalidResultException("invalid result data: \"timeSeries\" has no points");
        }
        List<HorizontalPortraitStatus.TimeSeriesPoint> points = new ArrayList<>(byTime.size());
        byTime.forEach((ts, replicas) -> points.add(new HorizontalPortraitStatus.TimeSeriesPoint(ts, replicas)));
        points.sort(Comparator.comparing(pt -> pt.timestamp));
        return points;
    }

    /** Base-10 unix seconds; an integral decimal such as {@code 1695290640.0} counts as its integer. */
    static long timestamp(String key) throws InvalidResultException {
        long ts;
        try {
            ts = Long.parseLong(key);
        } catch (NumberFormatException notInteger) {
            return integralDecimal(key);
        }
        if (ts < 0) {
            // the portrait's schema has timestamps from 0: the status write would be refused
            throw new InvalidResultException("failed to parse " + quote(key) + " to int64 timestamp: before 1970");
        }
        return ts;
    }

    private static long integralDecimal(String key) throws InvalidResultException {
        {
            try {
                if (key.length() > 40 || !key.matches("[0-9]+\\.[0-9]+")) {
                    throw new NumberFormatException();
                }
                BigDecimal d = new BigDecimal(key);
                long ts = d.longValueExact();
                if (ts < 0) {
                    throw new NumberFormatException();
                }
                return ts;
            } catch (NumberFormatException | ArithmeticException e) {
                throw new InvalidResultException("failed to parse " + quote(key) + " to int64 timestamp: "
                        + "not a whole number of unix seconds");
            }
        }
    }

    private static Map<String, String> report(Map<String, String> data) {
        Map<String, String> report = new LinkedHashMap<>();
        new TreeMap<>(data).forEach((k, v) -> {
            if (TYPE.equals(k) || TIME_SERIES.equals(k) || EXPIRE_TIME.equals(k) || report.size() >= MAX_REPORT_KEYS) {
                return;
            }
            report.put(k, bounded(v));
        });
        return report;
    }

    private static String bounded(String v) {
        String value = v == null ? "" : v;
        return value.length() > MAX_REPORT_VALUE ? value.substring(0, MAX_REPORT_VALUE) + "…" : value;
    }

    /** Go's %q of a value cut at 64 characters: a hostile key is never copied whole into a condition. */
    private static String quote(String s) {
        return GoStrings.quote(s.length() > 64 ? s.substring(0, 64) + "…" : s);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "malformed JSON";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
