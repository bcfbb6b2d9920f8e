package io.kapacitystack.kapacity.console;

import io.kapacitystack.kapacity.auth.AuthThrottle;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.kapacitystack.kapacity.runtime.time.Clock;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Who is asking: logging in and out (a session per login, with its CSRF token), bearer headers, the token checks
 * within {@link AuthThrottle}'s limits, the authenticator's permission checks, and the answers to a refused request.
 * The editor's routes and the read guard of {@link Console} ask it; see docs/console.md, "Security".
 */
final class ConsoleLogin {

    static final String CSRF_HEADER = "X-CSRF-Token";
    static final String CSRF_FIELD = "_csrf";

    private volatile Sessions sessions;
    private volatile AuthThrottle throttle;
    private volatile ConsoleAuthenticator auth;

    ConsoleLogin(Clock peopleClock) {
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

    void mount(Router router, Handler<RoutingContext> secure, BodyHandler body) {
        router.get("/login").handler(secure).handler(this::loginPage);
        router.post("/login").handler(body).handler(secure).handler(this::login);
        router.post("/logout").handler(body).handler(secure).handler(this::logout);
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

    static void toLogin(RoutingContext ctx) {
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
    void authenticated(RoutingContext ctx, Consumer<Principal> then) {
        principal(ctx).onComplete(p -> {
            if (p.failed()) {
                refuse(ctx, p.cause());
            } else {
                then.accept(p.result());
            }
        });
    }

    void refuse(RoutingContext ctx, Throwable e) {
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

    static boolean htmx(RoutingContext ctx) {
        return "true".equals(ctx.request().getHeader("HX-Request"));
    }

    String page(RoutingContext ctx, String title, String main) {
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

    static void redirect(RoutingContext ctx, String location) {
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
}
