package io.kapacitystack.kapacity.runtime.http;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads a request body of at most {@code limit} bytes. A larger one fails with {@link TooLarge} as soon as its
 * declared {@code Content-Length} or the bytes received pass the limit; the rest of it is read and dropped, so the
 * connection can still carry the answer. Must be called before the request's first asynchronous step.
 */
public final class BoundedBody {

    private BoundedBody() {
    }

    /** The body passed the limit. */
    public static final class TooLarge extends RuntimeException {
        private final long limit;

        TooLarge(long limit) {
            super("request body larger than " + limit + " bytes", null, false, false);
            this.limit = limit;
        }

        public long limit() {
            return limit;
        }
    }

    public static Future<Buffer> read(HttpServerRequest request, long limit) {
        Promise<Buffer> result = Promise.promise();
        String declared = request.getHeader("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > limit) {
                    result.fail(new TooLarge(limit));
                }
            } catch (NumberFormatException e) {
                result.fail(new IllegalArgumentException("invalid Content-Length \"" + declared + "\""));
            }
        }
        Buffer body = Buffer.buffer();
        request.handler(chunk -> {
            if (result.future().isComplete()) {
                return; // refused already: drop the rest
            }
            if ((long) body.length() + chunk.length() > limit) {
                result.tryFail(new TooLarge(limit));
            } else {
                body.appendBuffer(chunk);
            }
        });
        request.exceptionHandler(result::tryFail);
        request.endHandler(v -> result.tryComplete(body));
        // in case the caller paused it before handing it over: the handlers above are in place, so let the body flow
        request.resume();
        return result.future();
    }
}
