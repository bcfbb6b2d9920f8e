package io.kapacitystack.kapacity.backtest;

/** A trace that cannot be used, with the line (1-based, 0 when not about one line) and why. */
public final class TraceException extends Exception {

    private final int line;

    public TraceException(int line, String reason) {
        super(line > 0 ? "line " + line + ": " + reason : reason);
        this.line = line;
    }

    public int line() {
        return line;
    }
}
