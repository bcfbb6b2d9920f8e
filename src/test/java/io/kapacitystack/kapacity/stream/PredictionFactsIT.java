package io.kapacitystack.kapacity.stream;

import io.cloudevents.core.message.Encoding;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.kapacitystack.kapacity.horizontalportrait.AlgorithmCronJob;
import io.kapacitystack.kapacity.manager.ControllerManager;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.kapacity.runtime.time.ManualClock;
import io.kapacitystack.kapacity.testing.Await;
import io.kapacitystack.kapacity.testing.MockCluster;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An algorithm job's result reaching a HorizontalPortrait's status is a {@code io.kapacitystack.prediction.changed}
 * record on a real broker: a summary of the series and the job's report; an unchanged result is no new record.
 */
class PredictionFactsIT {

    private static final String NS = "shop";
    private static final Instant T0 = Instant.parse("2026-11-23T08:00:00Z");
    private static final String PORTRAIT = """
            apiVersion: autoscaling.kapacitystack.io/v1alpha1
            kind: HorizontalPortrait
            metadata: {name: web-predictive}
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: nginx}
              portraitType: Predictive
              algorithm:
                type: ExternalJob
                externalJob:
                  resultSource: {type: ConfigMap}
                  job:
                    type: CronJob
                    cronJob:
                      template:
                        spec:
                          schedule: "0/30 * * * *"
                          jobTemplate:
                            spec:
                              template:
                                spec:
                                  restartPolicy: OnFailure
                                  containers:
                                  - name: algorithm
            """;

    private static void writeResult(MockCluster cluster, Map<String, String> data) {
        cluster.client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata()
                .withName("web-predictive-result").withNamespace(NS).endMetadata().withData(data).build()).createOr(c -> c.update());
    }

    private static List<StreamRecord> predictions(KafkaSettings kafka) {
        try (StreamReader reader = new StreamReader(kafka)) {
            return reader.readSince(T0.minus(Duration.ofHours(1)), Duration.ofSeconds(20)).stream()
                    .filter(r -> r.type().equals(ScalingFact.PREDICTION_CHANGED)).toList();
        }
    }

    @Test
    void aChangedTimeSeriesResultIsOnePredictionRecordWithItsSummaryAndReport() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (TestBroker broker = TestBroker.start(); MockCluster cluster = new MockCluster(vertx)) {
            broker.createTopic("predictions", 1);
            KafkaSettings kafka = new KafkaSettings(broker.bootstrapServers(), "predictions", Map.of(), 1000, Encoding.BINARY);
            cluster.namespace(NS);
            cluster.namespace("kapacity-system");
            ControllerManager.Settings settings = new ControllerManager.Settings();
            settings.algorithmJobs = new AlgorithmCronJob.Settings("kapacity-system", "kapacity-algorithm-job",
                    "kapacity-grpc-service:9090", "kapacity:predict");
            cluster.startManager(new ManualClock(vertx, T0), settings);
            try (ScalingEventPublisher publisher = new ScalingEventPublisher(kafka)) {
                cluster.manager.scalingEvents(publisher);
                cluster.apply(PORTRAIT, NS);
                writeResult(cluster, Map.of("type", "TimeSeries", "timeSeries", "{\"1695290640\":3,\"1695291240\":5,\"1695291840\":4}",
                        "expireTime", "2023-09-21T10:16:00Z", "model", "harmonic-regression", "backtestMAPE", "qps=4.2%"));
                Await.until("the prediction record", Duration.ofSeconds(60),
                        () -> publisher.sent() > 0 && !predictions(kafka).isEmpty());

                // the same result again (a resync of the portrait): no record; then only the report changes: one
                cluster.manager.horizontalPortraitController().enqueue(new ObjectKey(NS, "web-predictive"));
                writeResult(cluster, Map.of("type", "TimeSeries", "timeSeries", "{\"1695290640\":3,\"1695291240\":5,\"1695291840\":4}",
                        "expireTime", "2023-09-21T10:16:00Z", "model", "harmonic-regression", "backtestMAPE", "qps=3.9%"));
                Await.until("the report change published", Duration.ofSeconds(60), () -> predictions(kafka).size() >= 2);
            }
            List<StreamRecord> records = predictions(kafka);
            StreamRecord first = records.get(0);
            assertEquals(NS + "/web-predictive", first.subject());
            assertTrue(first.source().endsWith("/namespaces/shop/horizontalportraits/web-predictive"), first.source());
            assertNull(first.data().get("before"));
            Map<?, ?> after = (Map<?, ?>) first.data().get("after");
            assertEquals("TimeSeries", after.get("type"));
            assertEquals(3, after.get("points"));
            assertEquals("2023-09-21T10:04:00Z", after.get("from"));
            assertEquals("2023-09-21T10:24:00Z", after.get("until"));
            assertEquals(3, after.get("minReplicas"));
            assertEquals(5, after.get("maxReplicas"));
            assertEquals("2023-09-21T10:16:00Z", after.get("expireTime"));
            assertEquals(Map.of("model", "harmonic-regression", "backtestMAPE", "qps=4.2%"), first.data().get("report"));
            assertEquals(2, records.size(), "an unchanged result is no record: " + records);
            assertEquals(after, records.get(1).data().get("before"), "the second record's before is the first's after");
            assertEquals(Map.of("model", "harmonic-regression", "backtestMAPE", "qps=3.9%"), records.get(1).data().get("report"));
            assertEquals("prediction none -> 3 points 3-5 replicas until 2023-09-21T10:24:00Z, model harmonic-regression, backtest MAPE qps=4.2%",
                    StreamText.message(first));
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }
}
