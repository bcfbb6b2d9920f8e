package io.kapacitystack.kapacity.cli;

/** A refusal of the command line: its message is printed as {@code error: <message>} and the command exits 1. */
public final class CliException extends RuntimeException {
    public CliException(String message) {
        super(message);
    }
}
