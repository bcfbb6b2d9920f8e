package io.kapacitystack.kapacity.runtime;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Watches a few small files (a certificate and its key, a token, a config file) by reading them every
 * {@code interval} and hands their contents to {@code onChange} whenever one of them differs from what was last seen.
 * The files are read through Vert.x's file system, on its worker pool, never on an event loop: a slow or stuck
 * volume (a network mount, a FIFO) must not stop the servers and controllers that share the loop.
 * <p>
 * Contents are compared, not modification times: Kubernetes updates mounted Secrets, ConfigMaps and projected tokens
 * by swapping a symlink, which leaves the mtimes of the paths the process reads unchanged. The interval is real
 * time (it watches files, not the simulated world).
 * <p>
 * A read failure goes to {@code onError} once (again only after a successful read or with another message) and
 * keeps the last contents. A change is applied once: whether
 * {@code onChange}'s future succeeds or fails (a failure also goes to {@code onError}), the new contents count as
 * seen, so a file that cannot be applied is reported once per change rather than on every tick.
 */
public final class FileWatcher implements AutoCloseable {

    private final Vertx vertx;
    private final List<Path> files;
    private final Function<List<Buffer>, Future<?>> onChange;
    private final Consumer<Throwable> onError;
    private final long timer;
    private List<Buffer> last;
    private Future<Boolean> inFlight;
    private String lastReadError;
    private volatile boolean closed;

    private FileWatcher(Vertx vertx, List<Path> files, Duration interval, List<Buffer> initial,
                        Function<List<Buffer>, Future<?>> onChange, Consumer<Throwable> onError) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("file check interval must be positive, got " + interval);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no file to watch");
        }
        this.vertx = vertx;
        this.files = List.copyOf(files);
        this.onChange = Objects.requireNonNull(onChange);
        this.onError = Objects.requireNonNull(onError);
        this.last = initial == null ? null : List.copyOf(initial);
        this.timer = vertx.setPeriodic(Math.max(1, interval.toMillis()), id -> checkNow());
    }

    /**
     * Watches {@code files}; {@code initial} is what the caller already loaded (no {@code onChange} for it; null when
     * nothing was loaded, and then the first successful read is a change).
     */
    public static FileWatcher watch(Vertx vertx, List<Path> files, Duration interval, List<Buffer> initial,
                                    Function<List<Buffer>, Future<?>> onChange, Consumer<Throwable> onError) {
        return new FileWatcher(vertx, files, interval, initial, onChange, onError);
    }

    /** Watches one file whose change handler cannot fail. */
    public static FileWatcher watch(Vertx vertx, Path file, Duration interval, Buffer initial,
                                    Consumer<Buffer> onChange, Consumer<Throwable> onError) {
        Objects.requireNonNull(onChange);
        return new FileWatcher(vertx, List.of(file), interval, initial == null ? null : List.of(initial),
                contents -> {
                    onChange.accept(contents.get(0));
                    return Future.succeededFuture();
                }, onError);
    }

    /** Reads every file off the event loop; fails with the first file that cannot be read. */
    public static Future<List<Buffer>> read(Vertx vertx, List<Path> files) {
        List<Future<Buffer>> reads = new ArrayList<>(files.size());
        files.forEach(f -> reads.add(vertx.fileSystem().readFile(f.toString())));
        return Future.all(reads).map(all -> {
            List<Buffer> contents = new ArrayList<>(reads.size());
            reads.forEach(r -> contents.add(r.result()));
            return contents;
        });
    }

    public List<Path> files() {
        return files;
    }

    /**
     * Reads the files now (outside the schedule, e.g. after a 401 that a just-rotated token may explain) and applies a
     * change; true once a change was applied. A check already under way is joined rather than repeated.
     */
    public Future<Boolean> checkNow() {
        Promise<Boolean> check = Promise.promise();
        synchronized (this) {
            if (closed) {
                return Future.succeededFuture(false);
            }
            if (inFlight != null) {
                return inFlight;
            }
            inFlight = check.future();
        }
        read(vertx, files).compose(this::applyIfChanged, this::readFailed).onComplete(ar -> {
            synchronized (this) {
                inFlight = null;
            }
            check.handle(ar);
        });
        return check.future();
    }

    private Future<Boolean> readFailed(Throwable e) {
        boolean repeated;
        synchronized (this) {
            repeated = Objects.equals(lastReadError, e.getMessage());
            lastReadError = e.getMessage();
        }
        if (!repeated) {
            onError.accept(e);
        }
        return Future.succeededFuture(false);
    }

    private Future<Boolean> applyIfChanged(List<Buffer> contents) {
        synchronized (this) {
            lastReadError = null;
            if (closed || contents.equals(last)) {
                return Future.succeededFuture(false);
            }
            last = contents;
        }
        Future<?> applied;
        try {
            applied = onChange.apply(contents);
        } catch (RuntimeException e) {
            applied = Future.failedFuture(e);
        }
        return applied.transform(ar -> {
            if (ar.failed()) {
                onError.accept(ar.cause());
            }
            return Future.succeededFuture(ar.succeeded());
        });
    }

    @Override
    public void close() {
        closed = true;
        vertx.cancelTimer(timer);
    }
}
