package io.kapacitystack.kapacity.predictive;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A whole run on generated history: traffic with a daily shape, pods that followed it at 0.5 cores each, 0.05 cores
 * per pod plus 0.002 per request/s; the result must cover from the current bucket to past the next run with the
 * replicas the true next hours need.
 */
class PredictorTest {

    static final long T0 = SeasonalityTest.T0;
    static final double BASE = 0.05;
    static final double COST = 0.002;
    static final Predictor.Settings SETTINGS = new Predictor.Settings(Duration.ofMinutes(10), ZoneOffset.UTC,
            Duration.ofDays(1), 0.9, 10, 0);

    record Workload(Map<String, Predictor.History> traffic, Predictor.History resource, Predictor.History pods) {
    }

    static Workload workload(Traces trace, long from, long to, Traces... others) {
        Predictor.History qps = trace.sample(from, to, 60);
        List<Predictor.History> extra = new ArrayList<>();
        for (Traces t : others) {
            extra.add(t.sample(from, to, 60));
        }
        int n = qps.times().length;
        double[] pods = new double[n];
        double[] resource = new double[n];
        java.util.Random rnd = new java.util.Random(7);
        for (int i = 0; i < n; i++) {
            double load = COST * qps.values()[i];
            pods[i] = Math.max(1, Math.ceil(load / 0.5));
            resource[i] = pods[i] * BASE + load + 0.002 * pods[i] * rnd.nextGaussian();
        }
        Map<String, Predictor.History> traffic = new LinkedHashMap<>();
        traffic.put("qps", qps);
        for (int i = 0; i < extra.size(); i++) {
            traffic.put("other" + i, extra.get(i));
        }
        return new Workload(traffic, new Predictor.History(qps.times(), resource), new Predictor.History(qps.times(), pods));
    }

    @Test
    void coversFromTheCurrentBucketToPastTheNextRunWithTheReplicasTheTrafficNeeds() throws Exception {
        Traces trace = Traces.flat(200).daily(1500).noise(20);
        long now = T0 + 7 * 86_400L + 125;
        Workload w = workload(trace, T0, now);
        Instant nextRun = Instant.ofEpochSecond(T0 + 7 * 86_400L + 30 * 60);
        Predictor.Outcome out = new Predictor().predict(w.traffic(), w.resource(), w.pods(), 0.25,
                Instant.ofEpochSecond(T0), Instant.ofEpochSecond(now), nextRun, SETTINGS);
        assertFalse(out.refused(), out.summary());
        Map<String, Integer> series = new ObjectMapper().readValue(out.data().get(ResultData.TIME_SERIES),
                new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Integer>>() { });
        List<Long> keys = series.keySet().stream().map(Long::parseLong).toList();
        assertEquals(T0 + 7 * 86_400L, keys.get(0), "first bucket: the current one, labelled by its start");
        for (int i = 1; i < keys.size(); i++) {
            assertEquals(600, keys.get(i) - keys.get(i - 1));
        }
        long last = keys.get(keys.size() - 1);
        assertTrue(last + 600 > nextRun.getEpochSecond() + 600, "covers past the next run");
        assertEquals(ResultData.expireTime(last, 600), out.data().get(ResultData.EXPIRE_TIME));
        assertEquals("TimeSeries", out.data().get(ResultData.TYPE));
        // Replicas the true traffic peaks need: base + cost × peak / n ≤ 0.25.
        Predictor.History truth = trace.sample(now - 125, last + 600, 60);
        int i = 0;
        for (long k : keys) {
            double peak = 0;
            for (int j = 0; j < truth.times().length; j++) {
                if (truth.times()[j] >= k && truth.times()[j] < k + 600) {
                    peak = Math.max(peak, truth.values()[j]);
                }
            }
            int needed = (int) Math.ceil(COST * peak / (0.25 - BASE));
            int got = series.get(Long.toString(k));
            assertTrue(Math.abs(got - needed) <= 1, "bucket " + (i++) + ": " + got + " replicas, " + needed + " needed");
        }
        assertEquals("qps=" + out.forecasts().get(0).model(), out.data().get(ResultData.MODEL));
        assertEquals("qps=1d", out.data().get(ResultData.PERIODS));
        assertTrue(out.data().get(ResultData.BACKTEST_MAPE).matches("qps=[0-9.]+%"));
        assertTrue(out.data().get(ResultData.SAFETY_MARGIN).matches("qps=\\+[0-9.]+%"), out.data().toString());
        assertTrue(out.data().get(ResultData.MESSAGE).contains("safety margin"), out.data().get(ResultData.MESSAGE));
        assertTrue(out.data().get(ResultData.MESSAGE).contains("vs naive"), out.data().get(ResultData.MESSAGE));
    }

    @Test
    void aTargetToleranceSizesEachBucketForTheRaisedTarget() throws Exception {
        Traces trace = Traces.flat(200).daily(1500).noise(20);
        long now = T0 + 7 * 86_400L + 125;
        Workload w = workload(trace, T0, now);
        Instant nextRun = Instant.ofEpochSecond(T0 + 7 * 86_400L + 30 * 60);
        Predictor.Settings tolerant = new Predictor.Settings(SETTINGS.bucket(), SETTINGS.zone(), SETTINGS.testWindow(),
                SETTINGS.minCorrelation(), SETTINGS.maxMse(), SETTINGS.scaleUpAheadSeconds(), 0.2);
        var type = new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Integer>>() { };
        Map<String, Integer> atTarget = new ObjectMapper().readValue(new Predictor().predict(w.traffic(), w.resource(),
                w.pods(), 0.25, Instant.ofEpochSecond(T0), Instant.ofEpochSecond(now), nextRun, SETTINGS).data()
                .get(ResultData.TIME_SERIES), type);
        Map<String, Integer> inBand = new ObjectMapper().readValue(new Predictor().predict(w.traffic(), w.resource(),
                w.pods(), 0.25, Instant.ofEpochSecond(T0), Instant.ofEpochSecond(now), nextRun, tolerant).data()
                .get(ResultData.TIME_SERIES), type);
        Map<String, Integer> atRaisedTarget = new ObjectMapper().readValue(new Predictor().predict(w.traffic(),
                w.resource(), w.pods(), 0.25 * 1.2, Instant.ofEpochSecond(T0), Instant.ofEpochSecond(now), nextRun,
                SETTINGS).data().get(ResultData.TIME_SERIES), type);
        assertEquals(atRaisedTarget, inBand, "a tolerance of 0.2 sizes for the target x 1.2");
        assertEquals(atTarget.keySet(), inBand.keySet());
        int fewer = 0;
        for (String k : atTarget.keySet()) {
            assertTrue(inBand.get(k) <= atTarget.get(k), "bucket " + k);
            fewer += atTarget.get(k) - inBand.get(k);
        }
        assertTrue(fewer > 0, "the band needs fewer replicas somewhere: " + atTarget + " vs " + inBand);
    }

    @Test
    void aFlatSeriesBesideARealOneIsIgnoredAndSaidSo() {
        long now = T0 + 7 * 86_400L;
        Workload w = workload(Traces.flat(200).daily(1500).noise(20), T0, now, Traces.flat(5));
        Predictor.Outcome out = new Predictor().predict(w.traffic(), w.resource(), w.pods(), 0.25,
                Instant.ofEpochSecond(T0), Instant.ofEpochSecond(now), Instant.ofEpochSecond(now + 1800), SETTINGS);
        assertFalse(out.refused(), out.summary());
        assertTrue(out.data().get(ResultData.MESSAGE).contains("ignored traffic \"other0\" is flat"), out.summary());
    }

    @Test
    void flatTrafficIsRefusedWithoutASeries() {
        long now = T0 + 7 * 86_400L;
        Workload w = workload(Traces.flat(300), T0, now);
        Predictor.Outcome out = new Predictor().predict(w.traffic(), w.resource(), w.pods(), 0.25,
                Instant.ofEpochSecond(T0), Instant.ofEpochSecond(now), Instant.ofEpochSecond(now + 1800), SETTINGS);
        assertTrue(out.refused());
        assertFalse(out.data().containsKey(ResultData.TIME_SERIES));
        assertTrue(out.data().get(ResultData.REFUSED).contains("traffic \"qps\" is flat"), out.summary());
    }

    @Test
    void anUnreachableTargetIsRefused() {
        long now = T0 + 7 * 86_400L;
        Workload w = workload(Traces.flat(200).daily(1500).noise(20), T0, now);
        Predictor.Outcome out = new Predictor().predict(w.traffic(), w.resource(), w.pods(), 0.04,
                Instant.ofEpochSecond(T0), Instant.ofEpochSecond(now), Instant.ofEpochSecond(now + 1800), SETTINGS);
        assertTrue(out.refused());
        assertTrue(out.data().get(ResultData.REFUSED).contains("unreachable"), out.summary());
    }

    @Test
    void tooShortHistoryIsRefused() {
        long now = T0 + 86_400L;
        Workload w = workload(Traces.flat(200).daily(1500).noise(20), T0, now);
        Predictor.Outcome out = new Predictor().predict(w.traffic(), w.resource(), w.pods(), 0.25,
                Instant.ofEpochSecond(T0), Instant.ofEpochSecond(now), Instant.ofEpochSecond(now + 1800), SETTINGS);
        assertTrue(out.refused());
        assertTrue(out.data().get(ResultData.REFUSED).contains("too short"), out.summary());
    }
}
