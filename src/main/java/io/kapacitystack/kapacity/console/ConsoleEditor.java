package io.kapacitystack.kapacity.console;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.Constants;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerSpec;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaCron;
import io.kapacitystack.kapacity.auth.AuthThrottle;
import io.kapacitystack.kapacity.autoscaler.IhpaPlan;
import io.kapacitystack.kapacity.autoscaler.IhpaPlanner;
import io.kapacitystack.kapacity.autoscaler.IhpaReconciler;
import io.kapacitystack.kapacity.events.PlannedEvent;
import io.kapacitystack.kapacity.kube.KubeNames;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.portrait.PortraitSelector;
import io.kapacitystack.kapacity.portrait.cron.CronSchedule;
import io.kapacitystack.kapacity.portrait.cron.TimeZones;
import io.kapacitystack.kapacity.runtime.KubeExecutor;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The console's write side: log in and out, create, edit (form or YAML) and delete an IHPA, and preview what the
 * planner would do now. Every POST needs an authenticated user: a session (cookie) whose CSRF token is echoed in
 * {@code X-CSRF-Token} or {@code _csrf}, or an {@code Authorization: Bearer} header (which a browser never sends by
 * itself, so it needs no CSRF token). Each write is authorized for its namespace and verb by the
 * {@link ConsoleAuthenticator}, then done with the manager's client on a worker thread.
 *
 * <pre>
 *   GET  /login, POST /login, POST /logout
 *   GET  /new?ns=                         create form
 *   GET  /ihpa/{ns}/{name}/edit           edit form (the YAML view when the form cannot show the object)
 *   POST /edit/save                       create or update (form or YAML)
 *   POST /edit/preview                    the planner's answer now, in Preview mode (an HTML fragment)
 *   POST /edit/convert?to=yaml|form       the same object in the other view
 *   GET  /ihpa/{ns}/{name}/delete         confirmation; POST deletes
 * </pre>
 */
final class ConsoleEditor {

    static final String CSRF_HEADER = "X-CSRF-Token";
    static final String CSRF_FIELD = "_csrf";
    static final int BODY_LIMIT = 256 * 1024;

    private final ResourceCache<GenericKubernetesResource> ihpas;
    private final KubernetesClient client;
    private final KubernetesSerialization serialization;
    private final KubeExecutor executor;
    private final Supplier<Instant> clock;
    private volatile Sessions sessions;
    private volatile AuthThrottle throttle;
    private final IhpaPlanner planner;
    private volatile ConsoleAuthenticator auth;

    ConsoleEditor(ResourceCache<GenericKubernetesResource> ihpas, KubernetesClient client, KubeExecutor executor,
                  Supplier<Instant> clock, Clock peopleClock, IhpaPlanner planner) {
        this.ihpas = ihpas;
        this.client = client;
        this.serialization = client.getKubernetesSerialization();
        this.executor = executor;
        this.clock = clock;
        this.planner = planner;
        peopleClock(peopleClock);
    }

    /** Session idle time and the login throttle follow this clock: a person's minutes, not the simulated cluster's. */
    void peopleClock(Clock peopleClock) {
        this.sessions = new Sessions(peopleClock);
        this.throttle = new AuthThrottle(peopleClock::now);
    }

    void authenticator(ConsoleAuthenticator auth) {
        this.auth = auth;
    }

    ConsoleAuthenticator authenticator() {
        return auth;
    }

    void mount(Router router, Handler<RoutingContext> secure) {
        BodyHandler body = BodyHandler.create(false).setBodyLimit(BODY_LIMIT);
        router.get("/login").handler(secure).handler(this::loginPage);
        router.post("/login").handler(body).handler(secure).handler(this::login);
        router.post("/logout").handler(body).handler(secure).handler(this::logout);
        router.get("/new").handler(secure).handler(this::newPage);
        router.get("/ihpa/:namespace/:name/edit").handler(secure).handler(this::editPage);
        router.post("/edit/save").handler(body).handler(secure).handler(this::save);
        router.post("/edit/preview").handler(body).handler(secure).handler(this::preview);
        router.post("/edit/convert").handler(body).handler(secure).handler(this::convert);
        router.get("/ihpa/:namespace/:name/delete").handler(secure).handler(this::deletePage);
        router.post("/ihpa/:namespace/:name/delete").handler(body).handler(secure).handler(this::delete);
    }

    // ---------------------------------------------------------------- who is asking

    record Principal(ConsoleAuthenticator.User user, Sessions.Session session) {
    }

    /** A refused or failed request: status and a message that is safe to show. */
    static final class Refusal extends RuntimeException {
        final int status;

        Refusal(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    Sessions.Session session(RoutingContext ctx) {
        Cookie c = ctx.request().getCookie(Sessions.COOKIE);
        return c == null ? null : sessions.get(c.getValue());
    }

    ConsoleView.Viewer viewer(RoutingContext ctx) {
        Sessions.Session s = auth == null ? null : session(ctx);
        return s == null ? new ConsoleView.Viewer(null, null, auth != null) : new ConsoleView.Viewer(s.user().name(), s.csrf(), true);
    }

    /** The authenticated user of a POST: bearer header, or session cookie plus its CSRF token. */
    Future<Principal> principal(RoutingContext ctx) {
        ConsoleAuthenticator a = auth;
        if (a == null) {
            return Future.failedFuture(new Refusal(403, "Writes are disabled: this console runs without authentication and is read-only."));
        }
        String header = ctx.request().getHeader("Authorization");
        if (header != null) {
            if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return Future.failedFuture(new Refusal(401, "Only bearer tokens are accepted (Authorization: Bearer <token>)."));
            }
            String token = header.substring(7).trim();
            return throttled(ctx, () -> a.authenticate(token)).map(u -> new Principal(u, null))
                    .recover(e -> Future.failedFuture(authFailure(e, "The bearer token is not valid.")));
        }
        Sessions.Session s = session(ctx);
        if (s == null) {
            return Future.failedFuture(new Refusal(401, "Authentication required: log in with a token, or send Authorization: Bearer <token>."));
        }
        String presented = ctx.request().getHeader(CSRF_HEADER);
        if (presented == null) {
            presented = ctx.request().getFormAttribute(CSRF_FIELD);
        }
        if (presented == null || presented.isEmpty()) {
            return Future.failedFuture(new Refusal(403, "Missing CSRF token: reload the page and try again."));
        }
        if (!Sessions.same(s.csrf(), presented)) {
            return Future.failedFuture(new Refusal(403, "Wrong CSRF token: reload the page and try again."));
        }
        // the session's token is checked again (cached briefly), so a revoked token stops working
        return a.authenticate(s.user().token()).map(u -> new Principal(u, s))
                .recover(e -> Future.failedFuture(authFailure(e, "Your token is no longer valid: log in again.")));
    }

    /**
     * A token check from a client that has not authenticated yet, within {@link AuthThrottle}'s limits: refused with
     * 429 and {@code Retry-After} when its address has presented too many invalid tokens lately.
     */
    private Future<ConsoleAuthenticator.User> throttled(RoutingContext ctx,
                                                        Supplier<Future<ConsoleAuthenticator.User>> check) {
        AuthThrottle.Attempt attempt = throttle.acquire(ctx.request().remoteAddress());
        if (attempt instanceof AuthThrottle.Denied d) {
            ctx.response().putHeader("Retry-After", String.valueOf(d.retryAfterSeconds()));
            return Future.failedFuture(new Refusal(429, d.message()));
        }
        AuthThrottle.Permit permit = (AuthThrottle.Permit) attempt;
        Future<ConsoleAuthenticator.User> checked;
        try {
            checked = check.get();
        } catch (RuntimeException e) {
            checked = Future.failedFuture(e);
        }
        return checked.onComplete(ar -> permit.release(ar.succeeded()
                || !(ar.cause() instanceof ConsoleAuthenticator.Refused)));
    }

    private static Refusal authFailure(Throwable e, String refused) {
        if (e instanceof Refusal r) {
            return r;
        }
        if (e instanceof ConsoleAuthenticator.Refused) {
            return new Refusal(401, refused);
        }
        return new Refusal(503, "Cannot check the token now: " + KubeObjects.shortMessage(e));
    }

    /**
     * The reader of a page or stream when anonymous reads are off: a bearer header, or a session (no CSRF token:
     * reads change nothing), whom the authenticator allows to list IHPAs in all namespaces (the console shows them
     * all). 401 without either, 403 without the right.
     */
    Future<Principal> mayRead(RoutingContext ctx) {
        ConsoleAuthenticator a = auth;
        String header = ctx.request().getHeader("Authorization");
        Future<Principal> who;
        if (header != null) {
            if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return Future.failedFuture(new Refusal(401, "Only bearer tokens are accepted (Authorization: Bearer <token>)."));
            }
            String token = header.substring(7).trim();
            who = throttled(ctx, () -> a.authenticate(token)).map(u -> new Principal(u, null))
                    .recover(e -> Future.failedFuture(authFailure(e, "The bearer token is not valid.")));
        } else {
            Sessions.Session s = session(ctx);
            if (s == null) {
                return Future.failedFuture(new Refusal(401, "Log in to see this console."));
            }
            who = a.authenticate(s.user().token()).map(u -> new Principal(u, s))
                    .recover(e -> Future.failedFuture(authFailure(e, "Your token is no longer valid: log in again.")));
        }
        return who.compose(p -> a.allowed(p.user(), "list", "")
                .recover(e -> Future.failedFuture(new Refusal(503, "Cannot check permissions now: " + KubeObjects.shortMessage(e))))
                .compose(ok -> ok ? Future.succeededFuture(p) : Future.failedFuture(new Refusal(403, "User " + p.user().name()
                        + " may not list " + ConsoleAuthenticator.RESOURCE + "." + ConsoleAuthenticator.GROUP
                        + " in all namespaces, which this console shows."))));
    }

    /** Answers a refused read: anonymous browsers go to the login page, the others get the refusal. */
    void refuseRead(RoutingContext ctx, Throwable e) {
        if (e instanceof Refusal r && r.status == 401 && session(ctx) == null && ctx.request().getHeader("Authorization") == null
                && !htmx(ctx)) {
            toLogin(ctx);
        } else {
            refuse(ctx, e);
        }
    }

    private static void toLogin(RoutingContext ctx) {
        ctx.response().setStatusCode(303).putHeader("Location", "/login?next=" + Html.segment(ctx.request().uri())
                .replace("%2F", "/").replace("%3F", "?").replace("%3D", "=").replace("%26", "&")).end();
    }

    /** {@link #principal} and the right to {@code verb} IHPAs in {@code namespace}. */
    Future<Principal> mayWrite(Principal p, String verb, String namespace) {
        return auth.allowed(p.user(), verb, namespace)
                .recover(e -> Future.failedFuture(new Refusal(503, "Cannot check permissions now: " + KubeObjects.shortMessage(e))))
                .compose(ok -> ok ? Future.succeededFuture(p) : Future.failedFuture(new Refusal(403, "User " + p.user().name()
                        + " may not " + verb + " " + ConsoleAuthenticator.RESOURCE + "." + ConsoleAuthenticator.GROUP
                        + " in namespace " + namespace + ".")));
    }

    /** Runs {@code then} with the caller's {@link #principal}, or answers with the refusal. */
    private void authenticated(RoutingContext ctx, java.util.function.Consumer<Principal> then) {
        principal(ctx).onComplete(p -> {
            if (p.failed()) {
                refuse(ctx, p.cause());
            } else {
                then.accept(p.result());
            }
        });
    }

    private void refuse(RoutingContext ctx, Throwable e) {
        Refusal r = e instanceof Refusal x ? x : new Refusal(500, "Unexpected error: " + KubeObjects.shortMessage(e));
        if (r.status == 401) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"kapacity-console\"");
        }
        String message = "<p class=\"bad refusal\" role=\"alert\">" + Html.esc(r.getMessage()) + "</p>";
        if (htmx(ctx)) {
            Console.html(ctx, r.status, message);
        } else {
            Console.html(ctx, r.status, page(ctx, "Kapacity: refused", "<h1>" + (r.status == 401 ? "Not authenticated" : r.status == 403
                    ? "Not allowed" : "Failed") + "</h1>" + message + (r.status == 401 && auth != null
                    ? "<p><a href=\"/login\">Log in</a></p>" : "") + "<p><a href=\"/\">All IHPAs</a></p>"));
        }
    }

    private static boolean htmx(RoutingContext ctx) {
        return "true".equals(ctx.request().getHeader("HX-Request"));
    }

    private String page(RoutingContext ctx, String title, String main) {
        StringBuilder b = new StringBuilder(8192);
        ConsoleView.head(b, title, false, viewer(ctx));
        return b.append("<main>").append(main).append("</main></body></html>\n").toString();
    }

    private static boolean tls(RoutingContext ctx) {
        return ctx.request().isSSL() || "https".equalsIgnoreCase(ctx.request().getHeader("X-Forwarded-Proto"));
    }

    private static Cookie cookie(RoutingContext ctx, String name, String value) {
        return Cookie.cookie(name, value).setPath("/").setHttpOnly(true).setSameSite(CookieSameSite.STRICT).setSecure(tls(ctx));
    }

    private static void redirect(RoutingContext ctx, String location) {
        if (htmx(ctx)) {
            ctx.response().putHeader("HX-Redirect", location).setStatusCode(200).end();
        } else {
            ctx.response().setStatusCode(303).putHeader("Location", location).end();
        }
    }

    // ---------------------------------------------------------------- login

    /** Only a local path: never an absolute or scheme-relative URL (no open redirect). */
    static String localPath(String next) {
        if (next == null || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\") || next.contains("\r") || next.contains("\n")) {
            return "/";
        }
        return next;
    }

    private void loginPage(RoutingContext ctx) {
        loginPage(ctx, 200, null);
    }

    private void loginPage(RoutingContext ctx, int status, String error) {
        StringBuilder m = new StringBuilder("<h1>Log in</h1>");
        if (auth == null) {
            m.append("<p>This console runs without authentication: it is read-only.</p>");
            Console.html(ctx, status, page(ctx, "Kapacity: log in", m.toString()));
            return;
        }
        // login CSRF: a double-submit value, in an HttpOnly SameSite=Strict cookie and in the form
        String value = Sessions.random();
        ctx.response().addCookie(cookie(ctx, Sessions.LOGIN_COOKIE, value));
        String next = localPath(ctx.request().getParam("next"));
        m.append("<p>").append("kubernetes".equals(auth.mode())
                        ? "Paste a Kubernetes bearer token (e.g. <code>kubectl create token &lt;service-account&gt;</code>). What you may change is what RBAC lets that token do."
                        : "Paste the console token the sandbox printed in its banner.")
                .append("</p>");
        if (error != null) {
            m.append("<p class=\"bad\" id=\"login-error\" role=\"alert\">").append(Html.esc(error)).append("</p>");
        }
        m.append("<form class=\"login\" method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"_csrf\" value=\"").append(Html.esc(value))
                .append("\"><input type=\"hidden\" name=\"next\" value=\"").append(Html.esc(next)).append("\">")
                .append("<div class=\"field\"><label for=\"token\">Token</label><input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" required></div>")
                .append("<button type=\"submit\" id=\"login-submit\">Log in</button></form>");
        Console.html(ctx, status, page(ctx, "Kapacity: log in", m.toString()));
    }

    private void login(RoutingContext ctx) {
        ConsoleAuthenticator a = auth;
        if (a == null) {
            refuse(ctx, new Refusal(403, "This console runs without authentication: it is read-only."));
            return;
        }
        Cookie expected = ctx.request().getCookie(Sessions.LOGIN_COOKIE);
        if (expected == null || !Sessions.same(expected.getValue(), ctx.request().getFormAttribute(CSRF_FIELD))) {
            refuse(ctx, new Refusal(403, "Missing or wrong CSRF token: open the login page again."));
            return;
        }
        String token = ctx.request().getFormAttribute("token");
        throttled(ctx, () -> a.authenticate(token == null ? "" : token.trim())).onComplete(ar -> {
            if (ar.failed()) {
                Refusal r = authFailure(ar.cause(), "Invalid token.");
                loginPage(ctx, r.status, r.getMessage());
                return;
            }
            Sessions.Session old = session(ctx);
            if (old != null) {
                sessions.remove(old.id());
            }
            Sessions.Session s = sessions.create(ar.result());
            ctx.response().addCookie(cookie(ctx, Sessions.COOKIE, s.id()));
            ctx.response().addCookie(cookie(ctx, Sessions.LOGIN_COOKIE, "").setMaxAge(0));
            redirect(ctx, localPath(ctx.request().getFormAttribute("next")));
        });
    }

    private void logout(RoutingContext ctx) {
        Sessions.Session s = session(ctx);
        if (s != null) {
            String presented = ctx.request().getHeader(CSRF_HEADER);
            if (presented == null) {
                presented = ctx.request().getFormAttribute(CSRF_FIELD);
            }
            if (!Sessions.same(s.csrf(), presented)) {
                refuse(ctx, new Refusal(403, "Missing or wrong CSRF token."));
                return;
            }
            sessions.remove(s.id());
        }
        ctx.response().addCookie(cookie(ctx, Sessions.COOKIE, "").setMaxAge(0));
        redirect(ctx, "/");
    }

    // ---------------------------------------------------------------- editor state

    /** What the editor shows: the form or the YAML of one object, with errors. */
    static final class Editor {
        boolean create = true;
        boolean yamlView;
        IhpaForm form = new IhpaForm();
        String yaml = "";
        String origNamespace = "";
        String origName = "";
        String resourceVersion = "";
        final List<String> problems = new ArrayList<>();
        String notice;
    }

    /** GETs of the editor need a session; anonymous readers are sent to the login page. */
    private boolean requireSession(RoutingContext ctx) {
        if (auth != null && session(ctx) != null) {
            return true;
        }
        if (auth == null) {
            refuse(ctx, new Refusal(403, "Editing is disabled: this console runs without authentication and is read-only."));
        } else {
            toLogin(ctx);
        }
        return false;
    }

    private void newPage(RoutingContext ctx) {
        if (!requireSession(ctx)) {
            return;
        }
        Editor e = new Editor();
        String ns = ctx.request().getParam("ns");
        e.form = IhpaForm.blank(ns == null ? "" : ns.trim());
        Console.html(ctx, 200, editorPage(ctx, e));
    }

    private void editPage(RoutingContext ctx) {
        if (!requireSession(ctx)) {
            return;
        }
        ObjectKey key = new ObjectKey(ctx.pathParam("namespace"), ctx.pathParam("name"));
        GenericKubernetesResource raw = ihpas.get(key);
        if (raw == null) {
            refuse(ctx, new Refusal(404, "No IHPA " + key.namespace() + "/" + key.name() + "."));
            return;
        }
        Editor e = new Editor();
        e.create = false;
        e.origNamespace = key.namespace();
        e.origName = key.name();
        e.resourceVersion = raw.getMetadata().getResourceVersion();
        e.yaml = yamlOf(raw);
        try {
            IntelligentHorizontalPodAutoscaler ihpa = KubeObjects.convert(serialization, raw, IntelligentHorizontalPodAutoscaler.class);
            String why = IhpaForm.unsupported(ihpa);
            if (why == null) {
                e.form = IhpaForm.of(ihpa);
            } else {
                e.yamlView = true;
                e.notice = "The form cannot show " + why + ": edit this object as YAML.";
            }
        } catch (KubeObjects.InvalidObjectException x) {
            e.yamlView = true;
            e.notice = "The model cannot read this object (" + x.getMessage() + "): edit it as YAML.";
        }
        Console.html(ctx, 200, editorPage(ctx, e));
    }

    /** The editor as posted. */
    Editor posted(RoutingContext ctx) {
        Editor e = new Editor();
        e.create = !"update".equals(ctx.request().getFormAttribute("mode"));
        e.yamlView = "yaml".equals(ctx.request().getFormAttribute("view"));
        e.origNamespace = nz(ctx.request().getFormAttribute("origNamespace"));
        e.origName = nz(ctx.request().getFormAttribute("origName"));
        e.resourceVersion = nz(ctx.request().getFormAttribute("resourceVersion"));
        if (e.yamlView) {
            e.yaml = nz(ctx.request().getFormAttribute("yaml"));
        } else {
            e.form = IhpaForm.fromParams(n -> ctx.request().getFormAttribute(n));
        }
        if (!e.create) {
            // the name of an existing object cannot change
            e.form.set("namespace", e.origNamespace).set("name", e.origName);
        }
        return e;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /** The object the editor describes, or null with the problems recorded (in the form's errors or the list). */
    IntelligentHorizontalPodAutoscaler build(Editor e) {
        if (!e.yamlView) {
            return e.form.toIhpa();
        }
        GenericKubernetesResource raw;
        try {
            raw = serialization.unmarshal(e.yaml, GenericKubernetesResource.class);
        } catch (RuntimeException x) {
            e.problems.add("not valid YAML: " + KubeObjects.shortMessage(x));
            return null;
        }
        if (raw == null) {
            e.problems.add("the YAML is empty");
            return null;
        }
        if (raw.getApiVersion() != null && !raw.getApiVersion().equals(Constants.GROUP + "/" + Constants.VERSION)) {
            e.problems.add("apiVersion must be " + Constants.GROUP + "/" + Constants.VERSION);
        }
        if (raw.getKind() != null && !raw.getKind().equals("IntelligentHorizontalPodAutoscaler")) {
            e.problems.add("kind must be IntelligentHorizontalPodAutoscaler");
        }
        if (raw.getMetadata() == null) {
            raw.setMetadata(new ObjectMeta());
        }
        if (!e.create) {
            if (raw.getMetadata().getName() != null && !raw.getMetadata().getName().equals(e.origName)
                    || raw.getMetadata().getNamespace() != null && !raw.getMetadata().getNamespace().equals(e.origNamespace)) {
                e.problems.add("metadata.namespace and metadata.name of an existing object cannot change");
            }
            raw.getMetadata().setName(e.origName);
            raw.getMetadata().setNamespace(e.origNamespace);
        }
        raw.getAdditionalProperties().remove("status");
        IntelligentHorizontalPodAutoscaler ihpa;
        try {
            ihpa = KubeObjects.convert(serialization, raw, IntelligentHorizontalPodAutoscaler.class);
        } catch (KubeObjects.InvalidObjectException x) {
            e.problems.add(x.getMessage());
            return null;
        }
        validate(ihpa, e.problems);
        return e.problems.isEmpty() ? ihpa : null;
    }

    /** What the form checks, for an object of any shape (the YAML view). */
    static void validate(IntelligentHorizontalPodAutoscaler ihpa, List<String> problems) {
        String ns = ihpa.getMetadata().getNamespace();
        String name = ihpa.getMetadata().getName();
        if (ns == null || ns.length() > 63 || !IhpaForm.DNS_LABEL.matcher(ns).matches()) {
            problems.add("metadata.namespace: required, a DNS label");
        }
        if (name == null || name.length() > 253 || !IhpaForm.DNS_SUBDOMAIN.matcher(name).matches()) {
            problems.add("metadata.name: required, a DNS subdomain (lowercase letters, digits, '-' and '.')");
        }
        IntelligentHorizontalPodAutoscalerSpec spec = ihpa.getSpec();
        if (spec == null) {
            problems.add("spec is required");
            return;
        }
        problems.addAll(IhpaPlanner.validate(spec).stream().map(p -> "spec: " + p).toList());
        List<PortraitProvider> providers = spec.portraitProviders == null ? List.of() : spec.portraitProviders;
        for (int i = 0; i < providers.size(); i++) {
            PortraitProvider p = providers.get(i);
            if (p == null || p.cron == null || p.cron.crons == null) {
                continue;
            }
            for (int j = 0; j < p.cron.crons.size(); j++) {
                ReplicaCron r = p.cron.crons.get(j);
                String at = "spec.portraitProviders[" + i + "].cron.crons[" + j + "]";
                java.time.ZoneId zone = java.time.ZoneOffset.UTC;
                try {
                    zone = TimeZones.load(r.timeZone);
                } catch (IllegalArgumentException x) {
                    problems.add(at + ".timeZone: " + x.getMessage());
                }
                for (String[] which : new String[][]{{"start", r.start}, {"end", r.end}}) {
                    try {
                        CronSchedule.parse(which[1] == null ? "" : which[1], zone);
                    } catch (RuntimeException x) {
                        problems.add(at + "." + which[0] + ": not a valid cron expression: " + x.getMessage());
                    }
                }
            }
        }
    }

    /** The YAML shown for an object: no status, no server-managed metadata. */
    @SuppressWarnings("unchecked")
    String yamlOf(Object object) {
        Map<String, Object> map = serialization.convertValue(object, Map.class);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("apiVersion", Constants.GROUP + "/" + Constants.VERSION);
        out.put("kind", "IntelligentHorizontalPodAutoscaler");
        Map<String, Object> meta = map.get("metadata") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        Map<String, Object> keep = new LinkedHashMap<>();
        for (String k : List.of("name", "namespace", "labels", "annotations")) {
            Object v = meta.get(k);
            if (v instanceof Map<?, ?> vm) {
                Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) vm);
                copy.remove("kubectl.kubernetes.io/last-applied-configuration");
                v = copy.isEmpty() ? null : copy;
            }
            if (v != null) {
                keep.put(k, v);
            }
        }
        out.put("metadata", keep);
        out.put("spec", map.get("spec"));
        String yaml = serialization.asYaml(out);
        return yaml.startsWith("---\n") ? yaml.substring(4) : yaml;
    }

    // ---------------------------------------------------------------- save, preview, convert

    private void save(RoutingContext ctx) {
        authenticated(ctx, principal -> {
            Editor e = posted(ctx);
            IntelligentHorizontalPodAutoscaler ihpa = build(e);
            if (ihpa == null) {
                Console.html(ctx, 422, editorPage(ctx, e));
                return;
            }
            String ns = ihpa.getMetadata().getNamespace();
            String name = ihpa.getMetadata().getName();
            String verb = e.create ? "create" : "update";
            mayWrite(principal, verb, ns)
                    .compose(p -> executor.call(() -> write(e, ihpa)))
                    .onSuccess(v -> redirect(ctx, "/ihpa/" + Html.segment(ns) + "/" + Html.segment(name)))
                    .onFailure(x -> {
                        if (x instanceof Refusal) {
                            refuse(ctx, x);
                            return;
                        }
                        int code = x instanceof KubernetesClientException k ? k.getCode() : 0;
                        e.problems.add(code == 409 && e.create ? "An IHPA " + ns + "/" + name + " already exists."
                                : code == 409 ? "The object changed since this page was opened: reload it and apply your change again."
                                : code == 404 ? "The object no longer exists."
                                : "The API refused the write: " + KubeObjects.shortMessage(x));
                        Console.html(ctx, code == 409 ? 409 : code == 404 ? 404 : 422, editorPage(ctx, e));
                    });
        });
    }

    /** Blocking: runs on a worker. */
    @SuppressWarnings("unchecked")
    Void write(Editor e, IntelligentHorizontalPodAutoscaler ihpa) {
        String ns = ihpa.getMetadata().getNamespace();
        Map<String, Object> spec = serialization.convertValue(ihpa.getSpec(), Map.class);
        var api = client.genericKubernetesResources(IhpaReconciler.IHPA_CONTEXT).inNamespace(ns);
        if (e.create) {
            GenericKubernetesResource raw = new GenericKubernetesResource();
            raw.setApiVersion(Constants.GROUP + "/" + Constants.VERSION);
            raw.setKind("IntelligentHorizontalPodAutoscaler");
            raw.setMetadata(new ObjectMeta());
            raw.getMetadata().setName(ihpa.getMetadata().getName());
            raw.getMetadata().setNamespace(ns);
            raw.getMetadata().setLabels(ihpa.getMetadata().getLabels());
            raw.getMetadata().setAnnotations(ihpa.getMetadata().getAnnotations());
            raw.setAdditionalProperty("spec", spec);
            api.resource(raw).create();
            return null;
        }
        // an update keeps everything the editor does not show (finalizers, owner references, uid...)
        GenericKubernetesResource current = api.withName(ihpa.getMetadata().getName()).get();
        if (current == null) {
            throw new KubernetesClientException("not found", 404, null);
        }
        if (!e.resourceVersion.isEmpty()) {
            current.getMetadata().setResourceVersion(e.resourceVersion);
        }
        if (e.yamlView) {
            current.getMetadata().setLabels(ihpa.getMetadata().getLabels());
            Map<String, String> annotations = ihpa.getMetadata().getAnnotations();
            String applied = current.getMetadata().getAnnotations() == null ? null
                    : current.getMetadata().getAnnotations().get("kubectl.kubernetes.io/last-applied-configuration");
            if (applied != null) {
                annotations = annotations == null ? new LinkedHashMap<>() : new LinkedHashMap<>(annotations);
                annotations.put("kubectl.kubernetes.io/last-applied-configuration", applied);
            }
            current.getMetadata().setAnnotations(annotations);
        }
        current.setAdditionalProperty("spec", spec);
        current.getAdditionalProperties().remove("status");
        api.resource(current).update();
        return null;
    }

    private void preview(RoutingContext ctx) {
        authenticated(ctx, principal -> {
            Editor e = posted(ctx);
            IntelligentHorizontalPodAutoscaler ihpa = build(e);
            Console.html(ctx, 200, previewFragment(e, ihpa));
        });
    }

    private void convert(RoutingContext ctx) {
        authenticated(ctx, principal -> {
            Editor e = posted(ctx);
            boolean toYaml = "yaml".equals(ctx.request().getParam("to"));
            if (toYaml == e.yamlView) {
                Console.html(ctx, 200, editorPage(ctx, e));
                return;
            }
            IntelligentHorizontalPodAutoscaler ihpa = build(e);
            if (ihpa == null) {
                e.notice = "Fix the errors before switching views.";
                Console.html(ctx, 422, editorPage(ctx, e));
                return;
            }
            if (toYaml) {
                if (!e.create) {
                    // The form has no labels or annotations; the YAML view does, and saving it writes them back.
                    GenericKubernetesResource stored = ihpas.get(new ObjectKey(e.origNamespace, e.origName));
                    if (stored != null) {
                        ihpa.getMetadata().setLabels(stored.getMetadata().getLabels());
                        ihpa.getMetadata().setAnnotations(stored.getMetadata().getAnnotations());
                    }
                }
                e.yaml = yamlOf(ihpa);
                e.yamlView = true;
            } else {
                String why = IhpaForm.unsupported(ihpa);
                if (why != null) {
                    e.notice = "The form cannot show " + why + ": stay in the YAML view.";
                    Console.html(ctx, 422, editorPage(ctx, e));
                    return;
                }
                e.form = IhpaForm.of(ihpa);
                e.form.set("resourceVersion", e.resourceVersion);
                e.yamlView = false;
            }
            Console.html(ctx, 200, editorPage(ctx, e));
        });
    }

    /** The planner's answer for the object now, in Preview mode: what it would select, scale to, and report. */
    String previewFragment(Editor e, IntelligentHorizontalPodAutoscaler ihpa) {
        StringBuilder b = new StringBuilder(2048);
        b.append("<h2>Preview: what it would do now</h2>");
        if (ihpa == null) {
            b.append("<p class=\"bad\" id=\"preview-invalid\">Not valid yet:</p><ul class=\"bad\">");
            e.form.errors.forEach((k, v) -> b.append("<li>").append(Html.esc(label(k))).append(": ").append(Html.esc(v)).append("</li>"));
            e.problems.forEach(p -> b.append("<li>").append(Html.esc(p)).append("</li>"));
            return b.append("</ul>").toString();
        }
        IntelligentHorizontalPodAutoscaler copy = serialization.convertValue(ihpa, IntelligentHorizontalPodAutoscaler.class);
        copy.getSpec().scaleMode = IntelligentHorizontalPodAutoscalerSpec.ScaleMode.Preview;
        // the status, for a planner without HorizontalPortraits (a Dynamic provider's value is then the stored one)
        GenericKubernetesResource cached = e.create ? null : ihpas.get(new ObjectKey(e.origNamespace, e.origName));
        if (cached != null) {
            try {
                copy.setStatus(KubeObjects.convert(serialization, cached, IntelligentHorizontalPodAutoscaler.class).getStatus());
            } catch (KubeObjects.InvalidObjectException x) {
                copy.setStatus(null);
            }
        }
        Instant now = clock.get();
        IhpaPlan plan;
        try {
            plan = planner.plan(copy, null, null, now);
        } catch (RuntimeException x) {
            return b.append("<p class=\"bad\">The planner failed: ").append(Html.esc(KubeObjects.shortMessage(x))).append("</p>").toString();
        }
        b.append("<p>At <time>").append(Html.time(now)).append("</time> (the controller's clock):</p><div id=\"preview-result\">");
        var v = plan.status == null ? null : plan.status.currentPortraitValue;
        PortraitSelector.Selection sel = plan.selection;
        if (v == null) {
            b.append("<p class=\"bad\">No replica number now").append(sel != null && sel.error() != null ? ": " + Html.esc(sel.error()) : "")
                    .append(".</p>");
        } else {
            int min = ihpa.getSpec().minReplicas;
            int max = ihpa.getSpec().maxReplicas;
            int target = Math.max(min, Math.min(max, v.replicas));
            b.append("<p class=\"verdict\">Provider <strong>").append(Html.esc(v.provider)).append("</strong> wins with <strong>")
                    .append(v.replicas).append("</strong> replicas: the target would be scaled to <strong id=\"preview-replicas\">")
                    .append(target).append("</strong>").append(target != v.replicas ? " (limited to " + min + "\u2013" + max + ")" : "")
                    .append(ihpa.getSpec().effectiveScaleMode() == IntelligentHorizontalPodAutoscalerSpec.ScaleMode.Preview
                            ? ", but this object is in Preview mode and changes nothing" : "").append(".</p>");
        }
        if (sel != null && !sel.candidates().isEmpty()) {
            b.append("<table class=\"providers\"><thead><tr><th>#</th><th>Type</th><th>Priority</th><th>Value now</th><th>Verdict</th></tr></thead><tbody>");
            PortraitSelector.Candidate winner = null;
            for (PortraitSelector.Candidate c : sel.candidates()) {
                if (c.index == sel.winnerIndex()) {
                    winner = c;
                }
            }
            for (PortraitSelector.Candidate c : sel.candidates()) {
                boolean wins = c == winner;
                b.append("<tr").append(wins ? " class=\"winner\"" : "").append("><td>").append(c.index + 1).append("</td><td>")
                        .append(Html.esc(c.type)).append("</td><td>").append(c.priority).append("</td><td>")
                        .append(c.value == null ? "-" : Html.esc(c.value.replicas)).append("</td><td>")
                        .append(Html.esc(ConsoleView.verdict(c, winner, wins, ihpa.getSpec().portraitProviders.get(c.index)))).append("</td></tr>");
            }
            b.append("</tbody></table>");
        }
        b.append("<p>Conditions: ");
        ConsoleView.conditions(b, plan.status == null ? null : plan.status.conditions);
        b.append("</p>");
        if (plan.wakeAt != null) {
            b.append("<p>Next change: <time>").append(Html.esc(plan.wakeAt)).append("</time></p>");
        }
        for (PlannedEvent ev : plan.events) {
            b.append("<p class=\"muted\">Event ").append(Html.esc(ev.type())).append(' ').append(Html.esc(ev.reason())).append(": ")
                    .append(Html.esc(ev.message())).append("</p>");
        }
        return b.append("</div><p class=\"muted\">Nothing was saved.</p>").toString();
    }

    // ---------------------------------------------------------------- delete

    private void deletePage(RoutingContext ctx) {
        if (!requireSession(ctx)) {
            return;
        }
        ObjectKey key = new ObjectKey(ctx.pathParam("namespace"), ctx.pathParam("name"));
        if (ihpas.get(key) == null) {
            refuse(ctx, new Refusal(404, "No IHPA " + key.namespace() + "/" + key.name() + "."));
            return;
        }
        Sessions.Session s = session(ctx);
        String path = "/ihpa/" + Html.esc(Html.segment(key.namespace())) + "/" + Html.esc(Html.segment(key.name()));
        Console.html(ctx, 200, page(ctx, "Kapacity: delete " + key.namespace() + "/" + key.name(),
                "<h1>Delete " + Html.esc(key.namespace()) + "/" + Html.esc(key.name()) + "?</h1>"
                        + "<p>Its ReplicaProfile goes with it, and pods it had put in Cutoff or Standby serve again; the workload keeps its current replicas.</p>"
                        + "<form method=\"post\" action=\"" + path + "/delete\"><input type=\"hidden\" name=\"_csrf\" value=\""
                        + Html.esc(s.csrf()) + "\"><button type=\"submit\" class=\"danger\" id=\"confirm-delete\">Delete</button> "
                        + "<a href=\"" + path + "\">Cancel</a></form>"));
    }

    private void delete(RoutingContext ctx) {
        ObjectKey key = new ObjectKey(ctx.pathParam("namespace"), ctx.pathParam("name"));
        if (!KubeNames.isNamespace(key.namespace()) || !KubeNames.isDnsSubdomain(key.name())) {
            // path parameters arrive decoded: "..%2F.." would otherwise become segments of the API path
            refuse(ctx, new Refusal(404, "No IHPA " + KubeNames.quote(key.namespace()) + "/" + KubeNames.quote(key.name()) + "."));
            return;
        }
        principal(ctx).compose(p -> mayWrite(p, "delete", key.namespace()))
                .compose(p -> executor.call(() -> client.genericKubernetesResources(IhpaReconciler.IHPA_CONTEXT)
                        .inNamespace(key.namespace()).withName(key.name()).delete()))
                .compose(deleted -> deleted.isEmpty()
                        ? Future.<Void>failedFuture(new Refusal(404, "No IHPA " + key.namespace() + "/" + key.name() + ": nothing was deleted."))
                        : Future.<Void>succeededFuture())
                .onSuccess(v -> redirect(ctx, "/?ns=" + Html.segment(key.namespace())))
                .onFailure(x -> refuse(ctx, x instanceof Refusal ? x : new Refusal(502, "The API refused the delete: " + KubeObjects.shortMessage(x))));
    }

    // ---------------------------------------------------------------- rendering

    static String label(String field) {
        return switch (field) {
            case "namespace" -> "Namespace";
            case "name" -> "Name";
            case "targetKind" -> "Target kind";
            case "targetName" -> "Target name";
            case "minReplicas" -> "Min replicas";
            case "maxReplicas" -> "Max replicas";
            case "providers" -> "Providers";
            case "cpuUtilization" -> "CPU utilization target";
            default -> field;
        };
    }

    String editorPage(RoutingContext ctx, Editor e) {
        ConsoleView.Viewer viewer = viewer(ctx);
        String csrf = viewer.csrf();
        if (csrf == null) {
            // bearer-header clients have no session: the page they get back has no token to echo
            csrf = "";
        }
        StringBuilder b = new StringBuilder(16384);
        String title = e.create ? "New IHPA" : "Edit " + e.origNamespace + "/" + e.origName;
        b.append("<h1>").append(Html.esc(title)).append("</h1>");
        if (e.notice != null) {
            b.append("<p class=\"notice\" role=\"status\">").append(Html.esc(e.notice)).append("</p>");
        }
        if (!e.problems.isEmpty()) {
            b.append("<ul class=\"bad problems\" id=\"problems\" role=\"alert\">");
            e.problems.forEach(p -> b.append("<li>").append(Html.esc(p)).append("</li>"));
            b.append("</ul>");
        }
        IhpaForm f = e.form;
        if (!f.errors.isEmpty()) {
            b.append("<p class=\"bad\" id=\"form-invalid\" role=\"alert\">").append(f.errors.size())
                    .append(f.errors.size() == 1 ? " field needs" : " fields need").append(" fixing (marked below).</p>");
        }
        b.append("<form id=\"editor\" class=\"editor\" method=\"post\" action=\"/edit/save\" novalidate>")
                .append(hidden("_csrf", csrf)).append(hidden("mode", e.create ? "create" : "update"))
                .append(hidden("view", e.yamlView ? "yaml" : "form")).append(hidden("origNamespace", e.origNamespace))
                .append(hidden("origName", e.origName)).append(hidden("resourceVersion", e.resourceVersion));
        if (e.yamlView) {
            b.append("<div class=\"field wide\"><label for=\"f-yaml\">YAML</label><textarea id=\"f-yaml\" name=\"yaml\" rows=\"28\" spellcheck=\"false\">")
                    .append(Html.esc(e.yaml)).append("</textarea></div>");
        } else {
            formFields(b, f, e.create);
        }
        b.append("<div class=\"buttons\"><button type=\"submit\" id=\"save\">").append(e.create ? "Create" : "Save").append("</button> ")
                .append("<button type=\"button\" id=\"preview-button\" hx-post=\"/edit/preview\" hx-include=\"closest form\" hx-target=\"#preview\" hx-swap=\"innerHTML\">Preview: what would it do now</button> ")
                .append("<button type=\"submit\" id=\"switch-view\" formaction=\"/edit/convert?to=").append(e.yamlView ? "form" : "yaml").append("\">")
                .append(e.yamlView ? "Form view" : "YAML view").append("</button> <a href=\"")
                .append(e.create ? "/" : "/ihpa/" + Html.esc(Html.segment(e.origNamespace)) + "/" + Html.esc(Html.segment(e.origName)))
                .append("\">Cancel</a></div></form>");
        b.append("<section id=\"preview\" class=\"preview\" aria-live=\"polite\"></section>");
        return page(ctx, "Kapacity: " + title, b.toString());
    }

    private static String hidden(String name, String value) {
        return "<input type=\"hidden\" name=\"" + Html.esc(name) + "\" value=\"" + Html.esc(value) + "\">";
    }

    private static void formFields(StringBuilder b, IhpaForm f, boolean create) {
        b.append("<fieldset><legend>Object</legend>");
        input(b, f, "namespace", "Namespace", create ? "" : " readonly");
        input(b, f, "name", "Name", create ? "" : " readonly");
        select(b, f, "scaleMode", "Scale mode", List.of("Auto", "Preview"), false);
        b.append("</fieldset><fieldset><legend>Scale target</legend>");
        input(b, f, "targetApiVersion", "API version", "");
        select(b, f, "targetKind", "Kind", IhpaForm.KINDS, false);
        input(b, f, "targetName", "Name", "");
        input(b, f, "minReplicas", "Min replicas", " inputmode=\"numeric\"");
        input(b, f, "maxReplicas", "Max replicas", " inputmode=\"numeric\"");
        b.append("</fieldset>");
        String providersError = f.errors.get("providers");
        b.append("<fieldset><legend>Static provider</legend><p class=\"hint\">Leave the replicas empty for none.</p>");
        input(b, f, "staticReplicas", "Replicas", " inputmode=\"numeric\"");
        input(b, f, "staticPriority", "Priority", " inputmode=\"numeric\"");
        b.append("</fieldset><fieldset><legend>Cron provider</legend>");
        input(b, f, "cronPriority", "Priority", " inputmode=\"numeric\"");
        b.append("<p class=\"hint\">Rules: 5-field cron expressions; the window is [start, end). Empty rows are ignored.</p>")
                .append("<div class=\"scroll\"><table class=\"cron-rules\"><thead><tr><th>Name</th><th>Time zone</th><th>Start</th><th>End</th><th>Replicas</th></tr></thead><tbody>");
        int rows = f.filledCronRows() + IhpaForm.SPARE_CRON_ROWS;
        for (int i = 0; i < rows; i++) {
            b.append("<tr>");
            for (String x : List.of("name", "timeZone", "start", "end", "replicas")) {
                b.append("<td>");
                String field = "cron." + i + "." + x;
                control(b, f, field, x.equals("replicas") ? " inputmode=\"numeric\" size=\"4\"" : x.equals("timeZone") ? " placeholder=\"UTC\"" : "",
                        "rule " + (i + 1) + " " + x);
                b.append("</td>");
            }
            b.append("</tr>");
        }
        b.append("</tbody></table></div></fieldset>");
        b.append("<fieldset><legend>Reactive provider (Dynamic, KubeHPA)</legend><p class=\"hint\">Leave the target empty for none.</p>");
        input(b, f, "cpuUtilization", "CPU utilization target (%)", " inputmode=\"numeric\"");
        input(b, f, "reactivePriority", "Priority", " inputmode=\"numeric\"");
        b.append("</fieldset>");
        if (providersError != null) {
            b.append("<p class=\"error\" id=\"err-providers\" role=\"alert\">").append(Html.esc(providersError)).append("</p>");
        }
        for (String g : IhpaForm.GRAY) {
            boolean up = g.equals("grayUp");
            b.append("<fieldset><legend>Gray strategy, scale ").append(up ? "up" : "down").append("</legend><p class=\"hint\">Leave the state empty for none.</p>");
            select(b, f, g + ".state", "Pods in the gray stage", up ? List.of("Online") : List.of("Cutoff", "Standby", "Deleted"), true);
            input(b, f, g + ".interval", "Change interval (s)", " inputmode=\"numeric\"");
            input(b, f, g + ".percent", "Change percent", " inputmode=\"numeric\"");
            input(b, f, g + ".observation", "Observation (s)", " inputmode=\"numeric\"");
            b.append("</fieldset>");
        }
    }

    private static void input(StringBuilder b, IhpaForm f, String field, String label, String attrs) {
        String err = f.errors.get(field);
        b.append("<div class=\"field").append(err != null ? " invalid" : "").append("\"><label for=\"f-").append(Html.token(field)).append("\">")
                .append(Html.esc(label)).append("</label>");
        control(b, f, field, attrs, null);
        b.append("</div>");
    }

    /** One input with its error right after it; {@code aria} labels inputs that have no visible label. */
    private static void control(StringBuilder b, IhpaForm f, String field, String attrs, String aria) {
        String t = Html.token(field);
        String err = f.errors.get(field);
        b.append("<input type=\"text\" id=\"f-").append(t).append("\" name=\"").append(Html.esc(field)).append("\" value=\"")
                .append(Html.esc(f.get(field))).append('"').append(attrs);
        if (aria != null) {
            b.append(" aria-label=\"").append(Html.esc(aria)).append('"');
        }
        if (err != null) {
            b.append(" class=\"invalid\" aria-invalid=\"true\" aria-describedby=\"err-").append(t).append('"');
        }
        b.append('>');
        if (err != null) {
            b.append("<span class=\"error\" id=\"err-").append(t).append("\">").append(Html.esc(err)).append("</span>");
        }
    }

    private static void select(StringBuilder b, IhpaForm f, String field, String label, List<String> options, boolean none) {
        String t = Html.token(field);
        String err = f.errors.get(field);
        String value = f.get(field);
        b.append("<div class=\"field").append(err != null ? " invalid" : "").append("\"><label for=\"f-").append(t).append("\">")
                .append(Html.esc(label)).append("</label><select id=\"f-").append(t).append("\" name=\"").append(Html.esc(field)).append('"');
        if (err != null) {
            b.append(" aria-invalid=\"true\" aria-describedby=\"err-").append(t).append('"');
        }
        b.append('>');
        if (none) {
            b.append("<option value=\"\">none</option>");
        }
        List<String> all = new ArrayList<>(options);
        if (!value.isEmpty() && !all.contains(value)) {
            all.add(value);
        }
        for (String o : all) {
            b.append("<option value=\"").append(Html.esc(o)).append('"').append(o.equals(value) ? " selected" : "").append('>')
                    .append(Html.esc(o)).append("</option>");
        }
        b.append("</select>");
        if (err != null) {
            b.append("<span class=\"error\" id=\"err-").append(t).append("\">").append(Html.esc(err)).append("</span>");
        }
        b.append("</div>");
    }
}
