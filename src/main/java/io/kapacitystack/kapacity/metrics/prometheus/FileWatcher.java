package io.kapacitystack.kapacity.metrics.prometheus;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Watches a small file by reading its content every {@code interval} (real time: it watches a file, not the
 * simulated world) and calls {@code onChange} with the new content whenever it differs from the last content seen.
 * Content comparison (not modification times) also catches Kubernetes' atomic symlink swaps of mounted
 * ConfigMaps, Secrets and projected tokens. Read failures go to {@code onError} and keep the last content.
 */
public final class FileWatcher implements AutoCloseable {

    private final Vertx vertx;
    private final Path file;
    private final Consumer<Buffer> onChange;
    private final Consumer<Throwable> onError;
    private final long timer;
    private Buffer last;
    private boolean reading;
    private volatile boolean closed;

    /**
     * @param initial the content already loaded by the caller ({@code onChange} is not called for it)
     */
    public FileWatcher(Vertx vertx, Path file, Duration interval, Buffer initial, Consumer<Buffer> onChange,
                       Consumer<Throwable> onError) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("file check interval must be positive, got " + interval);
        }
        this.vertx = vertx;
        this.file = file;
        this.onChange = Objects.requireNonNull(onChange);
        this.onError = Objects.requireNonNull(onError);
        this.last = initial;
        this.timer = vertx.setPeriodic(Math.max(1, interval.toMillis()), id -> check());
    }

    public Path file() {
        return file;
    }

    private void check() {
        if (closed || reading) {
            return;
        }
        reading = true;
        vertx.fileSystem().readFile(file.toString()).onComplete(ar -> {
            reading = false;
            if (closed) {
                return;
            }
            if (ar.failed()) {
                onError.accept(ar.cause());
                return;
            }
            Buffer content = ar.result();
            if (!content.equals(last)) {
                last = content;
                onChange.accept(content);
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        vertx.cancelTimer(timer);
    }
}
