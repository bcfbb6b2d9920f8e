package io.kapacitystack.kapacity.portrait.cron;

import io.kapacitystack.kapacity.gocompat.GoStrings;

/**
 * A cron expression (or its {@code CRON_TZ=} zone) was rejected. Unchecked because every caller handles it the
 * same way: turn it into a condition or an admission message. The message has the shape
 * {@code failed to parse "<spec>": <detail>}; {@link #detail()} is the bare reason, for callers that wrap it in a
 * message that already quotes the expression (as the Cron provider does).
 *
 * <p>No stack trace is captured: these come from user input, are cached and re-thrown by
 * {@link CronPortraitEvaluator}, and a trace would only point at the parser.
 */
public final class CronParseException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String spec;
    private final String detail;

    public CronParseException(String spec, String detail) {
        super("failed to parse " + GoStrings.quote(spec) + ": " + detail);
        this.spec = spec;
        this.detail = detail;
    }

    /** The expression as given, including any {@code CRON_TZ=} prefix. */
    public String spec() {
        return spec;
    }

    /** The reason alone, e.g. {@code minute value 61 out of range [0, 59]}. */
    public String detail() {
        return detail;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
