package io.kapacitystack.kapacity.console;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kapacitystack.kapacity.events.RecordedEvent;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.vertx.core.Future;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.util.Map;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import io.kapacitystack.kapacity.runtime.http.SecurityHeaders;
import io.kapacitystack.kapacity.runtime.http.SharedPortServers;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.function.Supplier;
import java.util.LinkedHashMap;

/**
 * The web console: an overview of every IHPA and a page per IHPA, both kept live over Server-Sent Events
 * (htmx's sse extension), with {@code Last-Event-ID} replay from a bounded in-memory history.
 *
 * <pre>
 *   GET /                          overview (?ns= filters by namespace)
 *   GET /ihpa/{namespace}/{name}   one IHPA
 *   GET /ihpa/{ns}/{name}/forecast/{portrait}  a predictive portrait's forecast chart (htmx fragment)
 *   GET /ihpa/{ns}/{name}/whatif               "What if": the backtest on the workload's own traffic (WhatIfPage)
 *   GET /sse/overview?ns=&amp;since=   event stream of the overview
 *   GET /sse/ihpa/{ns}/{name}?since= event stream of one IHPA page
 *   GET /console/*                 console.css, console.js
 *   GET /webjars/*                 htmx, htmx-ext-sse, uPlot
 * </pre>
 * Every response carries a strict Content-Security-Policy (scripts and styles only from this origin, no inline code).
 * Read-only unless an {@link ConsoleAuthenticator} is set and the user authenticates; the write routes are
 * {@link ConsoleEditor}'s. With an authenticator and {@link #anonymousRead(boolean) anonymousRead(false)} (the
 * manager's default, see docs/security.md), the read routes too need a user who may list IHPAs in all namespaces.
 */
public final class Console {

    private static final Logger LOG = LoggerFactory.getLogger(Console.class);

    public static final String CSP = SecurityHeaders.CONTENT_SECURITY_POLICY;
    static final long PING_MS = 15_000;

    private final Vertx vertx;
    private final ConsoleHub hub;
    private final ConsoleView view;
    private final PastEvents past;
    private final ConsoleLogin login;
    private final ConsoleEditor editor;
    private final ForecastFragment forecast;
    private final WhatIfPage whatIf;
    private volatile boolean anonymousRead = true;

    Console(Vertx vertx, ConsoleHub hub, ConsoleView view, PastEvents past, ConsoleLogin login, ConsoleEditor editor,
            ForecastFragment forecast, WhatIfPage whatIf) {
        this.vertx = vertx;
        this.whatIf = whatIf;
        this.hub = hub;
        this.view = view;
        this.past = past;
        this.login = login;
        this.editor = editor;
        this.forecast = forecast;
    }

    /**
     * Creates the console of {@code manager} (the controller manager): subscribes to its event recorders and caches (call once per manager,
     * after {@code startCaches()} or before; handlers added to a started cache first get every existing object).
     */
    public static Console attach(Vertx vertx, ControllerState manager, KubernetesClient client) {
        return attach(vertx, manager, client, ConsoleHub.DEFAULT_CAPACITY);
    }

    /** @param client the manager's client: its serialization reads the cached objects, and it lists past Events */
    public static Console attach(Vertx vertx, ControllerState manager, KubernetesClient client, int historyCapacity) {
        ConsoleHub hub = new ConsoleHub(historyCapacity, () -> manager.clock().now());
        ConsoleModel model = new ConsoleModel(manager, client.getKubernetesSerialization());
        subscribe(manager, hub, model);
        ConsoleLogin login = new ConsoleLogin(manager.clock());
        ConsoleEditor editor = new ConsoleEditor(model, login, new IhpaWriter(client, manager.executor(), manager.ihpaCache()));
        return new Console(vertx, hub, new ConsoleView(model, hub), new PastEvents(vertx, client), login, editor,
                new ForecastFragment(model), new WhatIfPage(model, vertx));
    }

    /** The hub hears every change of the manager's caches and every event of its recorders. */
    private static void subscribe(ControllerState manager, ConsoleHub hub, ConsoleModel model) {
        ResourceCache<GenericKubernetesResource> ihpas = manager.ihpaCache();
        ResourceCache<GenericKubernetesResource> profiles = manager.replicaProfileCache();
        ResourceCache<GenericKubernetesResource> portraits = manager.horizontalPortraitCache();
        hub.sampler(model::sample);
        manager.ihpaEvents().addListener(hub::recorded);
        manager.replicaProfileEvents().addListener(hub::recorded);
        ihpas.onEvent(o -> hub.ihpaChanged(o, true), (o, n) -> hub.ihpaChanged(n, false), hub::ihpaDeleted);
        profiles.onEvent(hub::profileChanged, (o, n) -> hub.profileChanged(n), hub::profileChanged);
        portraits.onEvent(hub::portraitChanged, (o, n) -> hub.portraitChanged(n), hub::portraitChanged);
        // a HorizontalPortrait's events belong on its IHPA's page
        manager.horizontalPortraitEvents().addListener(e -> {
            ObjectKey owner = ConsoleHub.portraitOwner(portraits.get(new ObjectKey(e.namespace(), e.name())));
            if (owner != null) {
                hub.recorded(e, owner);
            }
        });
    }

    /**
     * Enables logging in and writing: without an authenticator (the default) the console is read-only and every
     * write is refused. Call before serving.
     */
    public Console authenticator(ConsoleAuthenticator auth) {
        login.authenticator(auth);
        return this;
    }

    /**
     * The clock of logged-in sessions' idle time and of the login throttle (default: the manager's). The sandbox gives
     * the real one: with {@code --clock-speed 60}, the manager's clock would end an idle session after 8 minutes and
     * refill the throttle 60 times too fast. Call before serving.
     */
    public Console peopleClock(Clock clock) {
        login.peopleClock(clock);
        return this;
    }

    public ConsoleAuthenticator authenticator() {
        return login.authenticator();
    }

    /**
     * Whether anyone may read the pages and event streams without logging in (default true: the sandbox, whose
     * only user holds the banner token). With false and an authenticator, every read needs a user (session or
     * bearer header) whom the authenticator allows to list IHPAs in all namespaces, since the console shows them
     * all. Without an authenticator nobody can log in, so the console is always anonymous and read-only. Call before
     * serving.
     */
    public Console anonymousRead(boolean allowed) {
        this.anonymousRead = allowed;
        return this;
    }

    public ConsoleHub hub() {
        return hub;
    }

    /** Adds the console's routes to {@code router}; mount before any catch-all static handler on {@code /*}. */
    public Router mount(Router router) {
        // every page and stream that shows IHPAs or events, the editor's GETs included (first, so it runs before them)
        router.get("/").handler(this::secure).handler(this::reader);
        router.get("/ihpa/*").handler(this::secure).handler(this::reader);
        router.get("/sse/*").handler(this::secure).handler(this::reader);
        router.get("/").handler(this::overview);
        router.get("/ihpa/:namespace/:name").handler(this::ihpa);
        router.get("/ihpa/:namespace/:name/forecast/:portrait").handler(this::forecast);
        router.get("/ihpa/:namespace/:name/whatif").handler(this::whatIf);
        router.get("/sse/overview").handler(this::overviewStream);
        router.get("/sse/ihpa/:namespace/:name").handler(this::ihpaStream);
        router.get("/console/*").handler(this::secure).handler(StaticHandler.create("webroot/console"));
        router.get("/webjars/*").handler(this::secure).handler(StaticHandler.create("META-INF/resources/webjars"));
        editor.mount(router, this::secure);
        return router;
    }

    /** A router with only the console on it, for a dedicated server (the manager's {@code --console-bind-address}). */
    public Router router() {
        return mount(Router.router(vertx));
    }

    /**
     * How many event loops serve a console listening alone: as many as Vert.x has by default (twice the cores), so
     * that the writes of one pushed change to many open streams are spread over every core rather than made one after
     * the other on a single event loop.
     */
    public static final int DEFAULT_INSTANCES = VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;

    /** A console listening on its own port; {@link #close()} stops every instance. */
    public interface Listening {
        int actualPort();

        Future<Void> close();
    }

    /** Serves the console alone on {@code host:port} (port 0 picks a free one). */
    public Future<Listening> listen(String host, int port) {
        return listen(host, port, null);
    }

    /** PEM files of the console's HTTPS certificate (chain) and private key. */
    public record Tls(String certFile, String keyFile) {
        public HttpServerOptions apply(HttpServerOptions o) {
            return o.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(certFile).setKeyPath(keyFile));
        }

        /** Null when both are empty; both or neither must be given. */
        public static Tls of(String certFile, String keyFile) {
            boolean cert = certFile != null && !certFile.isEmpty();
            boolean key = keyFile != null && !keyFile.isEmpty();
            if (cert != key) {
                throw new IllegalArgumentException("the console's TLS certificate and key files go together");
            }
            return cert ? new Tls(certFile, keyFile) : null;
        }
    }

    /** Serves the console alone on {@code host:port}, over HTTPS when {@code tls} is not null. */
    public Future<Listening> listen(String host, int port, Tls tls) {
        return listen(host, port, tls, DEFAULT_INSTANCES);
    }

    /**
     * Serves the console alone on {@code host:port} from {@code instances} HTTP servers sharing the port, each on its
     * own event loop (Vert.x hands new connections to them in turn): instances of one verticle deployment.
     */
    public Future<Listening> listen(String host, int port, Tls tls, int instances) {
        if (instances < 1) {
            throw new IllegalArgumentException("instances must be positive");
        }
        HttpServerOptions o = tls == null ? new HttpServerOptions() : tls.apply(new HttpServerOptions());
        return SharedPortServers.listen(vertx, instances, host, port,
                () -> vertx.createHttpServer(new HttpServerOptions(o)).requestHandler(SecurityHeaders.around(router())))
                .map(servers -> new Listening() {
                    @Override
                    public int actualPort() {
                        return servers.port();
                    }

                    @Override
                    public Future<Void> close() {
                        return servers.close();
                    }
                });
    }

    /** Per route as well as per server: a router the console is mounted on may belong to a server without them. */
    private void secure(RoutingContext ctx) {
        SecurityHeaders.route(ctx);
    }

    /** Lets a read through when anonymous reads are allowed or the reader may list IHPAs everywhere. */
    private void reader(RoutingContext ctx) {
        if (anonymousRead || login.authenticator() == null) {
            ctx.next();
            return;
        }
        login.mayRead(ctx).onComplete(ar -> {
            if (ar.succeeded()) {
                ctx.next();
            } else if (ctx.request().path().startsWith("/sse/")) {
                // an EventSource cannot follow a login page: a plain status, nothing streamed
                int status = ar.cause() instanceof ConsoleLogin.Refusal r ? r.status : 500;
                ctx.response().setStatusCode(status).putHeader("Cache-Control", "no-store").end();
            } else {
                login.refuseRead(ctx, ar.cause());
            }
        });
    }

    private static String namespaceParam(RoutingContext ctx) {
        String ns = ctx.request().getParam("ns");
        return ns == null ? "" : ns.trim();
    }

    private void overview(RoutingContext ctx) {
        html(ctx, 200, view.overviewPage(namespaceParam(ctx), login.viewer(ctx)));
    }

    private void ihpa(RoutingContext ctx) {
        ObjectKey key = new ObjectKey(ctx.pathParam("namespace"), ctx.pathParam("name"));
        if (!view.exists(key)) {
            html(ctx, 404, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title>"
                    + "<link rel=\"stylesheet\" href=\"/console/console.css\"></head><body><main><h1>Not found</h1><p>No IHPA "
                    + Html.esc(key.namespace()) + "/" + Html.esc(key.name()) + ". <a href=\"/\">All IHPAs</a></p></main></body></html>\n");
            return;
        }
        // Events from before this process started come from the API (a blocking call, on a worker thread).
        past.of(key).otherwise(e -> {
            LOG.debug("cannot list the events of {}: {}", key, e.toString());
            return List.of();
        }).onComplete(ar -> {
            String page = view.ihpaPage(key, ar.result(), login.viewer(ctx));
            if (page == null) {
                html(ctx, 404, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title></head><body><p>Deleted.</p></body></html>\n");
            } else {
                html(ctx, 200, page);
            }
        });
    }

    /** The forecast chart of one of the IHPA's predictive portraits (an htmx fragment; the traffic is read async). */
    private void forecast(RoutingContext ctx) {
        ObjectKey key = new ObjectKey(ctx.pathParam("namespace"), ctx.pathParam("name"));
        forecast.render(key, ctx.pathParam("portrait")).onComplete(ar -> {
            if (ar.succeeded()) {
                html(ctx, 200, ar.result());
            } else {
                int status = ar.cause() instanceof ConsoleLogin.Refusal r ? r.status : 500;
                html(ctx, status, "<p class=\"bad\">" + Html.esc(ar.cause() instanceof ConsoleLogin.Refusal
                        ? ar.cause().getMessage() : "The forecast cannot be drawn now.") + "</p>");
            }
        });
    }

    private void whatIf(RoutingContext ctx) {
        ObjectKey key = new ObjectKey(ctx.pathParam("namespace"), ctx.pathParam("name"));
        whatIf.render(key, ctx.request().getParam("capacity"), ctx.request().getParam("target")).onComplete(ar -> {
            if (ar.succeeded()) {
                html(ctx, 200, ar.result());
            } else {
                int status = ar.cause() instanceof ConsoleLogin.Refusal r ? r.status : 500;
                html(ctx, status, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>What if</title>"
                        + "</head><body><p class=\"bad\">" + Html.esc(ar.cause() instanceof ConsoleLogin.Refusal
                        ? ar.cause().getMessage() : "The backtest cannot run now.") + "</p></body></html>\n");
            }
        });
    }

    static void html(RoutingContext ctx, int status, String body) {
        ctx.response().setStatusCode(status)
                .putHeader("Content-Type", "text/html; charset=utf-8")
                .putHeader("Cache-Control", "no-store")
                .end(body);
    }

    // ---------------------------------------------------------------- SSE

    /** One SSE message: event name and HTML data. */
    record Message(String event, String data) {
    }

    private void overviewStream(RoutingContext ctx) {
        String ns = namespaceParam(ctx);
        Predicate<ConsoleHub.Item> filter = i -> ns.isEmpty() || ns.equals(i.key().namespace());
        stream(ctx, filter, item -> {
            List<Message> out = new ArrayList<>(2);
            switch (item.kind()) {
                case LISTED -> out.add(new Message("table", view.overviewTable(ns)));
                case CHANGED -> out.add(new Message(ConsoleView.rowToken(item.key()), view.row(item.key())));
                case EVENT -> {
                    out.add(new Message(ConsoleView.rowToken(item.key()), view.row(item.key())));
                    out.add(new Message("log", ConsoleView.logItem(item.key(), item.event())));
                }
            }
            return out;
        }, () -> List.of(new Message("table", view.overviewTable(ns))));
    }

    private void ihpaStream(RoutingContext ctx) {
        ObjectKey key = new ObjectKey(ctx.pathParam("namespace"), ctx.pathParam("name"));
        stream(ctx, i -> key.equals(i.key()), item -> {
            List<Message> out = new ArrayList<>(2);
            if (item.kind() == ConsoleHub.Kind.EVENT) {
                RecordedEvent e = item.event();
                out.add(new Message("event", ConsoleView.eventRow(e)));
                if (ConsoleView.isHistory(e)) {
                    out.add(new Message("history", ConsoleView.historyRow(e)));
                }
            } else {
                out.add(new Message("summary", view.summary(key)));
            }
            return out;
        }, () -> List.of(new Message("summary", view.summary(key))));
    }

    private void stream(RoutingContext ctx, Predicate<ConsoleHub.Item> filter,
                        Function<ConsoleHub.Item, List<Message>> render, Supplier<List<Message>> snapshot) {
        long since = since(ctx);
        HttpServerResponse r = ctx.response();
        r.setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-store")
                .putHeader("X-Accel-Buffering", "no");
        r.write("retry: 1000\n\n");
        String view = ctx.request().path() + "?" + namespaceParam(ctx);
        Consumer<ConsoleHub.Item> send = item -> {
            if (!r.closed() && !r.ended()) {
                r.write(rendered(view, item, render));
            }
        };
        ConsoleHub.Subscription sub = hub.subscribe(since, filter, vertx.getOrCreateContext(), send, replay -> {
            if (r.closed() || r.ended()) {
                return;
            }
            if (replay.gap()) {
                // What was missed is no longer in memory: send the whole current state instead.
                for (Message m : snapshot.get()) {
                    r.write(format(replay.upTo(), m));
                }
            } else {
                replay.items().forEach(send);
            }
        });
        long ping = vertx.setPeriodic(PING_MS, id -> {
            if (!r.closed() && !r.ended()) {
                r.write(": ping\n\n");
            }
        });
        r.closeHandler(v -> {
            sub.cancel();
            vertx.cancelTimer(ping);
        });
    }

    /**
     * The wire text of one item for one stream view, rendered once and shared by every subscriber of that view (a
     * change pushed to 1,000 open overviews is rendered once, not 1,000 times). Items are delivered to all
     * subscribers right after they happen, so a small recent-items cache serves them all.
     */
    private final Map<String, Buffer> renderedItems = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Buffer> eldest) {
            return size() > 64;
        }
    };

    /**
     * Encoded once (UTF-8) and written as is to every subscriber: Vert.x writes a read-only view of a Buffer, so one
     * Buffer can go to many connections.
     */
    private Buffer rendered(String view, ConsoleHub.Item item, Function<ConsoleHub.Item, List<Message>> render) {
        String key = item.id() + " " + view;
        synchronized (renderedItems) {
            Buffer text = renderedItems.get(key);
            if (text != null) {
                return text;
            }
        }
        StringBuilder b = new StringBuilder();
        for (Message m : render.apply(item)) {
            b.append(format(item.id(), m));
        }
        Buffer text = Buffer.buffer(b.toString());
        synchronized (renderedItems) {
            Buffer other = renderedItems.putIfAbsent(key, text);
            return other != null ? other : text;
        }
    }

    /** {@code Last-Event-ID} (the browser's reconnect) wins over {@code ?since=} (the id the page was rendered at). */
    static long since(RoutingContext ctx) {
        String last = ctx.request().getHeader("Last-Event-ID");
        Long v = parse(last);
        if (v == null) {
            v = parse(ctx.request().getParam("since"));
        }
        return v == null ? Long.MAX_VALUE : v;
    }

    private static Long parse(String s) {
        if (s == null || s.isBlank()) {
            return null;
        }
        try {
            long v = Long.parseLong(s.trim());
            return v < 0 ? null : v;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static String format(long id, Message m) {
        StringBuilder b = new StringBuilder(m.data().length() + 64);
        b.append("id: ").append(id).append('\n').append("event: ").append(m.event()).append('\n');
        for (String line : m.data().split("\r\n|\r|\n", -1)) {
            b.append("data: ").append(line).append('\n');
        }
        return b.append('\n').toString();
    }
}
