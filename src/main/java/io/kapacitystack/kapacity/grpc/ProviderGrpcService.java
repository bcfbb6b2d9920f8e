package io.kapacitystack.kapacity.grpc;

import io.kapacitystack.kapacity.auth.AuthThrottle;
import io.kapacitystack.kapacity.metrics.AnswerBudget;
import io.kapacitystack.kapacity.metrics.QueryNames;
import io.kapacitystack.kapacity.metrics.MetricQuery;
import io.kapacitystack.kapacity.metrics.MetricsException;
import io.kapacitystack.kapacity.metrics.MetricsProvider;
import io.kapacitystack.kapacity.metrics.Series;
import io.kapacitystack.metric.Metric;
import io.kapacitystack.metric.Provider;
import io.kapacitystack.metric.ProviderServiceGrpcService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import io.kapacitystack.metric.ProviderService;
import java.util.function.Supplier;

/**
 * {@code ProviderService} over a {@link MetricsProvider} (Kapacity's {@code pkg/metric/service/server.go}). Status codes:
 * a malformed request (undecodable message, no query, unknown type, bad selector or name, a timestamp or duration
 * outside protobuf's range, start after end, step under 1 ms, more than {@link #MAX_POINTS_PER_SERIES} points per
 * series) → INVALID_ARGUMENT with a plain message that repeats at most {@link QueryNames#MAX_ECHO} characters of a
 * value; an answer over its {@link AnswerBudget} ({@link #MAX_SERIES_PER_ANSWER} series,
 * {@link #MAX_POINTS_PER_ANSWER} points, {@link #MAX_BACKEND_BYTES_PER_ANSWER} bytes read from Prometheus,
 * {@link #MAX_ANSWER_BYTES} bytes written) or more calls at once than the {@link CallGate}s admit →
 * RESOURCE_EXHAUSTED (docs/security.md, "The gRPC metrics service", for the memory these bounds allow); provider
 * errors by their
 * {@link MetricsException.Kind} (UNAVAILABLE, NOT_FOUND, UNIMPLEMENTED, DEADLINE_EXCEEDED, else UNKNOWN as
 * Kapacity); a client deadline ({@code grpc-timeout}) that passes before the provider answers → DEADLINE_EXCEEDED.
 * Status messages carry Kapacity's texts ({@code failed to query latest metrics: ...}). With token authentication:
 * no or a refused token → UNAUTHENTICATED, a token that could not be checked → UNAVAILABLE, a client address over
 * its {@link AuthThrottle} limit of invalid tokens → RESOURCE_EXHAUSTED (no check made).
 */
public final class ProviderGrpcService {

    /** The most points one range query may ask for per series ((end - start) / step + 1). */
    public static final long MAX_POINTS_PER_SERIES = 100_000;
    /** The most series one answer may hold (every pod of a large namespace). */
    public static final long MAX_SERIES_PER_ANSWER = 10_000;
    /**
     * The most points (over all series) one Query answer may hold: 49 two-week histories at a 1-minute step, the
     * predictive job's largest use (it asks for one workload's series).
     */
    public static final long MAX_POINTS_PER_ANSWER = 1_000_000;
    /** The most bytes one answer may read from the backend (Prometheus's JSON, over all shards). */
    public static final long MAX_BACKEND_BYTES_PER_ANSWER = 64L << 20;
    /** The most bytes of one encoded answer. */
    public static final long MAX_ANSWER_BYTES = 32L << 20;
    /** Query calls running at once, and waiting beyond them (each may hold a whole bounded answer). */
    public static final int MAX_RUNNING_QUERIES = 2;
    public static final int MAX_WAITING_QUERIES = 32;
    /** The most bytes one QueryLatest answer may read from the backend (10,000 samples take about 2 MB). */
    public static final long MAX_BACKEND_BYTES_PER_LATEST = 8L << 20;
    /** QueryLatest calls running at once, and waiting beyond them. */
    public static final int MAX_RUNNING_LATEST = 4;
    public static final int MAX_WAITING_LATEST = 256;
    /**
     * How long an answer may take to reach a client. A call keeps its place in its {@link CallGate} until its answer
     * is written, so that clients that do not read (HTTP/2 flow control keeps the rest of the answer queued in the
     * server) cannot pile up answers beyond the gate; past this time the stream is cancelled and its memory freed.
     * 32 MiB take well under a second on any link a manager serves.
     */
    public static final Duration ANSWER_WRITE_TIMEOUT = Duration.ofSeconds(5);
    /** The smallest step: Prometheus's resolution is a millisecond. */
    public static final Duration MIN_STEP = Duration.ofMillis(1);

    private static final Logger LOG = LoggerFactory.getLogger(ProviderGrpcService.class);

    /** {@code Query} with its response written straight from the provider's series ({@link QueryResponseEncoder}). */
    static final ServiceMethod<Provider.QueryRequest, List<Series>> QUERY = ServiceMethod.server(
            ProviderServiceGrpcService.Query.serviceName(), ProviderServiceGrpcService.Query.methodName(),
            new QueryResponseEncoder(), ProviderServiceGrpcService.Query.decoder());

    private final Vertx vertx;
    private final MetricsProvider provider;
    private final TokenAuthenticator authenticator;
    private final AuthThrottle throttle;
    private final CallGate queries = new CallGate("Query", MAX_RUNNING_QUERIES, MAX_WAITING_QUERIES);
    private final CallGate latest = new CallGate("QueryLatest", MAX_RUNNING_LATEST, MAX_WAITING_LATEST);

    public ProviderGrpcService(Vertx vertx, MetricsProvider provider) {
        this(vertx, provider, null);
    }

    /**
     * @param authenticator checks the bearer token every call must carry ({@code authorization: Bearer <token>});
     *                      null = no authentication
     */
    public ProviderGrpcService(Vertx vertx, MetricsProvider provider, TokenAuthenticator authenticator) {
        this(vertx, provider, authenticator, null);
    }

    /** @param throttle limits invalid tokens per client address (null = no limit) */
    public ProviderGrpcService(Vertx vertx, MetricsProvider provider, TokenAuthenticator authenticator,
                               AuthThrottle throttle) {
        this.vertx = vertx;
        this.provider = provider;
        this.authenticator = authenticator;
        this.throttle = throttle;
    }

    /** Registers both methods on {@code server}. */
    public void bind(GrpcServer server) {
        server.callHandler(ProviderServiceGrpcService.QueryLatest, req -> handle(req, latest, this::queryLatest));
        server.callHandler(QUERY, req -> handle(req, queries, this::query));
    }

    /** The request's query in the provider's terms, or an INVALID_ARGUMENT error with Kapacity's message prefix. */
    private static MetricQuery internalQuery(boolean present, Metric.Query q) {
        if (!present) {
            throw MetricsException.invalid("failed to convert api query to internal query: no query in request");
        }
        try {
            return ProtoMapping.toQuery(q);
        } catch (MetricsException e) {
            throw e.wrap("failed to convert api query to internal query: ");
        }
    }

    Future<Provider.QueryLatestResponse> queryLatest(Provider.QueryLatestRequest request) {
        MetricQuery query;
        try {
            query = internalQuery(request.hasQuery(), request.getQuery());
        } catch (MetricsException e) {
            return Future.failedFuture(e);
        }
        AnswerBudget budget = new AnswerBudget(MAX_SERIES_PER_ANSWER, MAX_SERIES_PER_ANSWER,
                MAX_BACKEND_BYTES_PER_LATEST);
        return call(() -> provider.queryLatest(query, budget))
                .recover(t -> Future.failedFuture(MetricsException.of(t).wrap("failed to query latest metrics: ")))
                .map(samples -> {
                    Provider.QueryLatestResponse.Builder b = Provider.QueryLatestResponse.newBuilder();
                    samples.forEach(s -> b.addSamples(ProtoMapping.toProto(s)));
                    return b.build();
                });
    }

    Future<List<Series>> query(Provider.QueryRequest request) {
        MetricQuery query;
        try {
            query = internalQuery(request.hasQuery(), request.getQuery());
        } catch (MetricsException e) {
            return Future.failedFuture(e);
        }
        Instant start;
        Instant end;
        Duration step;
        long points;
        try {
            start = ProtoMapping.toInstant(request.getStart(), "start");
            end = ProtoMapping.toInstant(request.getEnd(), "end");
            step = ProtoMapping.toDuration(request.getStep(), "step");
            points = pointsPerSeries(start, end, step);
        } catch (MetricsException e) {
            return Future.failedFuture(e);
        }
        if (points > MAX_POINTS_PER_SERIES) {
            return Future.failedFuture(MetricsException.invalid(
                    "query range %s to %s at step %s has %d points per series, more than the maximum %d",
                    start, end, step, points, MAX_POINTS_PER_SERIES));
        }
        AnswerBudget budget = new AnswerBudget(MAX_SERIES_PER_ANSWER, MAX_POINTS_PER_ANSWER,
                MAX_BACKEND_BYTES_PER_ANSWER);
        return call(() -> provider.query(query, start, end, step, budget))
                .compose(series -> {
                    long size = QueryResponseEncoder.size(series);
                    return size <= MAX_ANSWER_BYTES ? Future.succeededFuture(series)
                            : Future.failedFuture(new MetricsException(MetricsException.Kind.RESOURCE_EXHAUSTED,
                                    "answer too large: " + size + " bytes, more than " + MAX_ANSWER_BYTES
                                            + "; ask for fewer series or a shorter range"));
                })
                .recover(t -> Future.failedFuture(MetricsException.of(t).wrap("failed to query metrics: ")));
    }

    /** {@code (end - start) / step + 1}, or INVALID_ARGUMENT for start after end or a step under 1 ms. */
    static long pointsPerSeries(Instant start, Instant end, Duration step) {
        if (start.isAfter(end)) {
            throw MetricsException.invalid("invalid query range: start %s is after end %s", start, end);
        }
        if (step.compareTo(MIN_STEP) < 0) {
            throw MetricsException.invalid("invalid query step %s: must be at least %s", step, MIN_STEP);
        }
        // both within protobuf's years 1-9999: the span in milliseconds fits a long
        return Duration.between(start, end).toMillis() / step.toMillis() + 1;
    }

    private static <T> Future<T> call(Supplier<Future<T>> f) {
        try {
            Future<T> result = f.get();
            return result == null ? Future.failedFuture(new MetricsException(MetricsException.Kind.INTERNAL,
                    "provider returned no result")) : result;
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    private <Req, Resp> void handle(GrpcServerRequest<Req, Resp> req, CallGate gate,
                                    Function<Req, Future<Resp>> method) {
        AtomicBoolean answered = new AtomicBoolean();
        // a client that resets its stream (cancel, deadline) must not surface as an unhandled exception
        req.exceptionHandler(t -> answered.set(true));
        req.response().exceptionHandler(t -> answered.set(true));
        long timeoutMs = req.timeout();
        long timer = timeoutMs > 0 ? vertx.setTimer(timeoutMs, id -> {
            if (answered.compareAndSet(false, true)) {
                fail(req, GrpcStatus.DEADLINE_EXCEEDED, "deadline of " + timeoutMs + "ms exceeded");
            }
        }) : -1;
        Future<Req> body = req.last().recover(t -> Future.failedFuture(MetricsException.invalid(
                "malformed request: not a %s message", req.fullMethodName().endsWith("QueryLatest")
                        ? "QueryLatestRequest" : "QueryRequest")));
        // true while this call holds its place in the gate: from admission until its answer is written
        AtomicBoolean holding = new AtomicBoolean();
        Runnable release = () -> {
            if (holding.compareAndSet(true, false)) {
                gate.leave();
            }
        };
        authenticate(req).compose(v -> body).compose(request -> gate.enter(vertx).compose(v -> {
            holding.set(true);
            if (answered.get()) {
                release.run(); // its deadline passed while it waited
                return Future.failedFuture(new MetricsException(MetricsException.Kind.DEADLINE_EXCEEDED,
                        "deadline exceeded while waiting"));
            }
            Future<Resp> answer;
            try {
                answer = method.apply(request);
            } catch (RuntimeException e) {
                answer = Future.failedFuture(e);
            }
            return answer;
        })).onComplete(ar -> {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
            if (!answered.compareAndSet(false, true)) {
                release.run();
                return;
            }
            if (ar.succeeded()) {
                long writeTimer = vertx.setTimer(ANSWER_WRITE_TIMEOUT.toMillis(), id -> {
                    if (holding.get()) {
                        LOG.debug("{} answer not read within {}: stream cancelled", req.fullMethodName(),
                                ANSWER_WRITE_TIMEOUT);
                        cancel(req);
                        release.run();
                    }
                });
                send(req, ar.result()).onComplete(written -> {
                    vertx.cancelTimer(writeTimer);
                    release.run();
                });
                return;
            }
            release.run();
            if (ar.cause() instanceof Unauthenticated u) {
                fail(req, GrpcStatus.UNAUTHENTICATED, u.getMessage());
            } else if (ar.cause() instanceof Throttled t) {
                fail(req, GrpcStatus.RESOURCE_EXHAUSTED, t.getMessage());
            } else {
                MetricsException e = MetricsException.of(ar.cause());
                if (e.kind() == MetricsException.Kind.INTERNAL) {
                    LOG.debug("{} failed", req.fullMethodName(), e);
                }
                fail(req, status(e.kind()), e.getMessage());
            }
        });
    }

    /** A call without an acceptable bearer token. */
    private static final class Unauthenticated extends RuntimeException {
        Unauthenticated(String message) {
            super(message, null, false, false);
        }
    }

    /** A client address that presented too many invalid tokens lately. */
    private static final class Throttled extends RuntimeException {
        Throttled(String message) {
            super(message, null, false, false);
        }
    }

    private Future<Void> authenticate(GrpcServerRequest<?, ?> req) {
        if (authenticator == null) {
            return Future.succeededFuture();
        }
        String header = req.headers().get("authorization");
        if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)
                || header.substring(7).isBlank()) {
            return Future.failedFuture(new Unauthenticated("missing bearer token"));
        }
        String token = header.substring(7).trim();
        AuthThrottle.Permit permit = null;
        if (throttle != null) {
            AuthThrottle.Attempt attempt = throttle.acquire(req.connection() == null ? null
                    : req.connection().remoteAddress());
            if (attempt instanceof AuthThrottle.Denied d) {
                return Future.failedFuture(new Throttled(d.message()));
            }
            permit = (AuthThrottle.Permit) attempt;
        }
        Future<Boolean> verdict;
        try {
            verdict = authenticator.authenticate(token);
        } catch (RuntimeException e) {
            verdict = Future.failedFuture(e);
        }
        if (verdict == null) {
            verdict = Future.failedFuture("no answer");
        }
        if (permit != null) {
            AuthThrottle.Permit held = permit;
            // a valid token, or one that could not be checked, costs the client nothing
            verdict = verdict.andThen(ar -> held.release(ar.failed() || Boolean.TRUE.equals(ar.result())));
        }
        return verdict.transform(ar -> {
            if (ar.failed()) {
                LOG.warn("bearer token of a {} call could not be checked: {}", req.fullMethodName(),
                        ar.cause().getMessage());
                return Future.failedFuture(new MetricsException(MetricsException.Kind.UNAVAILABLE,
                        "bearer token could not be checked: " + ar.cause().getMessage()));
            }
            return Boolean.TRUE.equals(ar.result()) ? Future.succeededFuture()
                    : Future.failedFuture(new Unauthenticated("invalid bearer token"));
        });
    }

    /** Writes the answer unless the client went away meanwhile (its stream is then closed: nothing to tell). */
    private static <Resp> Future<Void> send(GrpcServerRequest<?, Resp> req, Resp answer) {
        try {
            return req.response().send(answer).onFailure(t -> LOG.debug("{} answer not sent: {}",
                    req.fullMethodName(), t.getMessage()));
        } catch (IllegalStateException e) {
            LOG.debug("{} answer not sent: {}", req.fullMethodName(), e.getMessage());
            return Future.succeededFuture();
        }
    }

    /** Resets the call's stream (RST_STREAM CANCEL), dropping whatever of its answer is still queued. */
    private static void cancel(GrpcServerRequest<?, ?> req) {
        try {
            req.response().cancel();
        } catch (IllegalStateException e) {
            LOG.debug("{} not cancelled: {}", req.fullMethodName(), e.getMessage());
        }
    }

    private static void fail(GrpcServerRequest<?, ?> req, GrpcStatus status, String message) {
        try {
            req.response().status(status).statusMessage(message).end().onFailure(t -> LOG.debug(
                    "{} status {} not sent: {}", req.fullMethodName(), status, t.getMessage()));
        } catch (IllegalStateException e) {
            LOG.debug("{} status {} not sent: {}", req.fullMethodName(), status, e.getMessage());
        }
    }

    static GrpcStatus status(MetricsException.Kind kind) {
        switch (kind) {
            case INVALID_ARGUMENT: return GrpcStatus.INVALID_ARGUMENT;
            case NOT_FOUND: return GrpcStatus.NOT_FOUND;
            case UNSUPPORTED: return GrpcStatus.UNIMPLEMENTED;
            case UNAVAILABLE: return GrpcStatus.UNAVAILABLE;
            case DEADLINE_EXCEEDED: return GrpcStatus.DEADLINE_EXCEEDED;
            case RESOURCE_EXHAUSTED: return GrpcStatus.RESOURCE_EXHAUSTED;
            default: return GrpcStatus.UNKNOWN;
        }
    }
}
