package io.kapacitystack.kapacity.predictive;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code data} of the result ConfigMap {@code <hp>-result}, in the format Kapacity's controller reads
 * (pkg/portrait/generator/... result source ConfigMap): {@code type: TimeSeries}, {@code timeSeries} a JSON object of
 * unix seconds to replicas, {@code expireTime} RFC 3339. Unlike Kapacity's Python job the keys are integers
 * ({@code "1695290640"}, not {@code "1695290640.0"}, which Kapacity's own controller rejects). Extra keys say what
 * the job did; a refusal carries {@code refused} and no series (docs/predictive.md lists the keys).
 */
public final class ResultData {

    public static final String TYPE = "type";
    public static final String TIME_SERIES = "timeSeries";
    public static final String EXPIRE_TIME = "expireTime";
    public static final String MODEL = "model";
    public static final String PERIODS = "periods";
    public static final String BACKTEST_MAPE = "backtestMAPE";
    public static final String NAIVE_MAPE = "naiveMAPE";
    public static final String UNDER_FORECAST_RATE = "underForecastRate";
    public static final String SAFETY_MARGIN = "safetyMargin";
    public static final String REPLICA_MODEL = "replicaModel";
    public static final String MESSAGE = "message";
    public static final String REFUSED = "refused";
    public static final String GENERATED_AT = "generatedAt";
    public static final String TIME_SERIES_TYPE = "TimeSeries";

    /** Kapacity's job writes two fractional digits ({@code 2023-09-21T10:16:00.00Z}). */
    private static final DateTimeFormatter EXPIRE_FORMAT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SS'Z'").withZone(ZoneOffset.UTC);

    private ResultData() {
    }

    /**
     * {@code timeSeries} JSON for buckets {@code starts} with {@code replicas}; a bucket whose count rises over the
     * previous one is labelled {@code scaleUpAheadSeconds} earlier (Kapacity's {@code --scale-up-ahead-seconds}).
     */
    public static String timeSeriesJson(long[] starts, int[] replicas, long scaleUpAheadSeconds) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < starts.length; i++) {
            long key = starts[i];
            if (i > 0 && replicas[i] > replicas[i - 1]) {
                key -= scaleUpAheadSeconds;
            }
            if (i > 0) {
                sb.append(',');
            }
            sb.append('"').append(key).append("\":").append(replicas[i]);
        }
        return sb.append('}').toString();
    }

    /** The end of the last bucket, in Kapacity's format. */
    public static String expireTime(long lastStart, long bucketSeconds) {
        return EXPIRE_FORMAT.format(Instant.ofEpochSecond(lastStart + bucketSeconds));
    }

    public static String timestamp(Instant t) {
        return EXPIRE_FORMAT.format(t);
    }

    /** A result: the series, its expiry and the extra keys (in this order). */
    public static Map<String, String> result(long[] starts, int[] replicas, long bucketSeconds, long scaleUpAheadSeconds,
                                             Map<String, String> extra, Instant generatedAt) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(TYPE, TIME_SERIES_TYPE);
        data.put(TIME_SERIES, timeSeriesJson(starts, replicas, scaleUpAheadSeconds));
        data.put(EXPIRE_TIME, expireTime(starts[starts.length - 1], bucketSeconds));
        data.putAll(extra);
        data.put(GENERATED_AT, timestamp(generatedAt));
        return data;
    }

    /** A refusal: no series, the reason under {@code refused}. */
    public static Map<String, String> refusal(String message, Instant generatedAt) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(TYPE, TIME_SERIES_TYPE);
        data.put(REFUSED, message);
        data.put(GENERATED_AT, timestamp(generatedAt));
        return data;
    }
}
