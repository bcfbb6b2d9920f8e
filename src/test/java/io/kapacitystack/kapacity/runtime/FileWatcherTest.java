package io.kapacitystack.kapacity.runtime;

import io.kapacitystack.kapacity.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileWatcherTest {

    @TempDir
    Path dir;

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        Await.result(vertx.close(), Duration.ofSeconds(10));
    }

    @Test
    void handsOverBothFilesWhenEitherChangesAndNothingWhenTheyDoNot() throws Exception {
        Path cert = Files.writeString(dir.resolve("tls.crt"), "cert-1");
        Path key = Files.writeString(dir.resolve("tls.key"), "key-1");
        List<Buffer> initial = Await.result(FileWatcher.read(vertx, List.of(cert, key)), Duration.ofSeconds(5));
        List<List<String>> changes = new CopyOnWriteArrayList<>();
        FileWatcher watcher = FileWatcher.watch(vertx, List.of(cert, key), Duration.ofHours(1), initial, contents -> {
            changes.add(contents.stream().map(Buffer::toString).toList());
            return Future.succeededFuture();
        }, e -> { });

        assertFalse(Await.result(watcher.checkNow(), Duration.ofSeconds(5)), "unchanged files are no change");
        Files.writeString(key, "key-2");
        assertTrue(Await.result(watcher.checkNow(), Duration.ofSeconds(5)));
        assertEquals(List.of(List.of("cert-1", "key-2")), changes);
        watcher.close();
    }

    @Test
    void checksOnItsIntervalWithoutBeingAsked() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "a");
        List<String> seen = new CopyOnWriteArrayList<>();
        FileWatcher watcher = FileWatcher.watch(vertx, token, Duration.ofMillis(20), Buffer.buffer("a"),
                b -> seen.add(b.toString()), e -> { });
        Files.writeString(token, "b");
        Await.until("the changed token to be handed over", () -> seen.equals(List.of("b")));
        watcher.close();
    }

    @Test
    void aFileThatCannotBeReadIsReportedOnceAndKeepsTheLastContents() throws Exception {
        Path config = Files.writeString(dir.resolve("config.yaml"), "one");
        List<String> seen = new CopyOnWriteArrayList<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        FileWatcher watcher = FileWatcher.watch(vertx, config, Duration.ofHours(1), Buffer.buffer("one"),
                b -> seen.add(b.toString()), errors::add);
        Files.delete(config);
        assertFalse(Await.result(watcher.checkNow(), Duration.ofSeconds(5)));
        assertFalse(Await.result(watcher.checkNow(), Duration.ofSeconds(5)));
        assertEquals(1, errors.size(), "the same read failure is reported once: " + errors);

        Files.writeString(config, "one");
        assertFalse(Await.result(watcher.checkNow(), Duration.ofSeconds(5)), "back as it was: no change");
        Files.delete(config);
        Await.result(watcher.checkNow(), Duration.ofSeconds(5));
        assertEquals(2, errors.size(), "reported again after a good read");
        assertEquals(List.of(), seen);
        watcher.close();
    }

    @Test
    void aChangeThatCannotBeAppliedIsReportedOnceAndNotRetriedUntilTheFilesChangeAgain() throws Exception {
        Path cert = Files.writeString(dir.resolve("tls.crt"), "good");
        List<String> attempts = new CopyOnWriteArrayList<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        FileWatcher watcher = FileWatcher.watch(vertx, List.of(cert), Duration.ofHours(1), List.of(Buffer.buffer("good")),
                contents -> {
                    attempts.add(contents.get(0).toString());
                    return contents.get(0).toString().equals("bad") ? Future.failedFuture("not a certificate")
                            : Future.succeededFuture();
                }, errors::add);
        Files.writeString(cert, "bad");
        assertFalse(Await.result(watcher.checkNow(), Duration.ofSeconds(5)));
        assertFalse(Await.result(watcher.checkNow(), Duration.ofSeconds(5)));
        Files.writeString(cert, "fixed");
        assertTrue(Await.result(watcher.checkNow(), Duration.ofSeconds(5)));
        assertEquals(List.of("bad", "fixed"), attempts);
        assertEquals(1, errors.size());
        watcher.close();
    }

    @Test
    void aClosedWatcherHandsNothingOver() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "a");
        List<String> seen = new CopyOnWriteArrayList<>();
        FileWatcher watcher = FileWatcher.watch(vertx, token, Duration.ofHours(1), Buffer.buffer("a"),
                b -> seen.add(b.toString()), e -> { });
        watcher.close();
        Files.writeString(token, "b");
        assertFalse(Await.result(watcher.checkNow(), Duration.ofSeconds(5)));
        assertEquals(List.of(), seen);
    }
}
