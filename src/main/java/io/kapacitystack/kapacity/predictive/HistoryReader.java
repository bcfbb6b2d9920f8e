package io.kapacitystack.kapacity.predictive;

import com.google.protobuf.util.Timestamps;
import io.kapacitystack.kapacity.grpc.ProtoMapping;
import io.kapacitystack.metric.Metric;
import io.kapacitystack.metric.Provider;
import io.kapacitystack.metric.ProviderServiceGrpcClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads history over the manager's gRPC metrics service ({@code io.kapacitystack.metric.ProviderService/Query}),
 * splitting long ranges so that no call asks for more than {@link #MAX_POINTS_PER_QUERY} points per series
 * (Prometheus refuses more than 11,000). With a service-account token, every call carries
 * {@code authorization: Bearer <token>}. Blocking: this is a batch command, not the event loop.
 */
public final class HistoryReader implements AutoCloseable {

    /** Points per series one call may ask for: under Prometheus' 11,000-points limit. */
    public static final long MAX_POINTS_PER_QUERY = 10_000;
    /** Points one series may bring in total (bounds memory: 90 days of minutes). */
    static final int MAX_POINTS = 130_000;

    private final GrpcClient client;
    private final SocketAddress address;
    private final String token;
    private final Duration timeout;

    public HistoryReader(Vertx vertx, String hostPort, String token, Duration timeout) {
        this.client = GrpcClient.client(vertx);
        this.address = parse(hostPort);
        this.token = token;
        this.timeout = timeout;
    }

    static SocketAddress parse(String hostPort) {
        if (hostPort == null || hostPort.isBlank()) {
            throw new IllegalArgumentException("METRICS_SERVER_ADDR is not set: the gRPC address (host:port) of the manager's metrics service");
        }
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("METRICS_SERVER_ADDR \"" + hostPort + "\" is not host:port");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("METRICS_SERVER_ADDR \"" + hostPort + "\" has no numeric port");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("METRICS_SERVER_ADDR \"" + hostPort + "\": port out of range");
        }
        return SocketAddress.inetSocketAddress(port, host);
    }

    /** [start, end] windows of at most {@link #MAX_POINTS_PER_QUERY} points each at {@code step}, covering the range. */
    public static List<Instant[]> windows(Instant start, Instant end, Duration step) {
        List<Instant[]> out = new ArrayList<>();
        Duration span = step.multipliedBy(MAX_POINTS_PER_QUERY - 1);
        for (Instant s = start; !s.isAfter(end); s = s.plus(span).plus(step)) {
            Instant e = s.plus(span);
            out.add(new Instant[]{s, e.isAfter(end) ? end : e});
        }
        return out;
    }

    /** The first series the service answers for {@code query} over [start, end] (Kapacity's job uses series[0]). */
    public Predictor.History read(String what, Metric.Query query, Instant start, Instant end, Duration step)
            throws HistoryException {
        long[] times = new long[1024];
        double[] values = new double[1024];
        int n = 0;
        long last = Long.MIN_VALUE;
        for (Instant[] w : windows(start, end, step)) {
            Provider.QueryRequest request = Provider.QueryRequest.newBuilder().setQuery(query)
                    .setStart(Timestamps.fromMillis(w[0].toEpochMilli())).setEnd(Timestamps.fromMillis(w[1].toEpochMilli()))
                    .setStep(ProtoMapping.toProto(step)).build();
            Provider.QueryResponse response = call(what, request);
            if (response.getSeriesCount() == 0) {
                continue;
            }
            for (Metric.Point p : response.getSeries(0).getPointsList()) {
                long t = Math.floorDiv(p.getTimestamp(), 1000);
                if (t <= last) {
                    continue;
                }
                if (n == MAX_POINTS) {
                    throw new HistoryException(what + ": more than " + MAX_POINTS + " points");
                }
                if (n == times.length) {
                    times = Arrays.copyOf(times, n * 2);
                    values = Arrays.copyOf(values, n * 2);
                }
                times[n] = t;
                values[n++] = p.getValue();
                last = t;
            }
        }
        return new Predictor.History(Arrays.copyOf(times, n), Arrays.copyOf(values, n));
    }

    private Provider.QueryResponse call(String what, Provider.QueryRequest request) throws HistoryException {
        Future<Provider.QueryResponse> f = client.request(address, ProviderServiceGrpcClient.Query).compose(req -> {
            if (token != null) {
                req.headers().set("authorization", "Bearer " + token);
            }
            req.timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
            req.end(request);
            return req.response().compose(resp -> resp.last().recover(err -> Future.failedFuture(
                    resp.status() != null && resp.status() != GrpcStatus.OK
                            ? new HistoryException(what + ": " + resp.status() + " " + resp.statusMessage())
                            : err)));
        });
        try {
            return f.toCompletionStage().toCompletableFuture().get(timeout.toMillis() + 5000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new HistoryException(what + ": " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new HistoryException(what + ": no answer from " + address + " within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HistoryException(what + ": interrupted");
        }
    }

    @Override
    public void close() {
        client.close();
    }

    /** History could not be read (a transient failure: the job fails and its CronJob retries). */
    public static final class HistoryException extends Exception {
        public HistoryException(String message) {
            super(message);
        }
    }
}
