package io.kapacitystack.kapacity.runtime.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * The security headers every HTTP answer of this project carries: the console's pages, its static files, the
 * manager's {@code /healthz}, {@code /readyz} and {@code /metrics}, the webhook, the sandbox API, and the 404s and
 * errors of all of them. Servers install them with {@link #around(Handler)} on their request handler, so that no
 * answer (not even a router's own 404 or 500) leaves without them; see docs/security.md.
 */
public final class SecurityHeaders {

    /**
     * Scripts, styles, images and connections only from this origin, no inline code, no framing. Strict enough for
     * the console's pages (htmx and uPlot are served from /webjars), and harmless on JSON and text answers.
     */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
            + "frame-ancestors 'none'";

    private SecurityHeaders() {
    }

    /** Puts the headers on {@code response} (before anything is written; handlers may still override one). */
    public static HttpServerResponse addTo(HttpServerResponse response) {
        return response
                .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("X-Frame-Options", "DENY")
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader("Cross-Origin-Opener-Policy", "same-origin");
    }

    /** A route handler that adds the headers and passes the request on. */
    public static void route(RoutingContext ctx) {
        addTo(ctx.response());
        ctx.next();
    }

    /** {@code handler} with the headers put on every response before it runs (a server's request handler). */
    public static Handler<HttpServerRequest> around(Handler<HttpServerRequest> handler) {
        return request -> {
            addTo(request.response());
            handler.handle(request);
        };
    }
}
