package io.kapacitystack.kapacity.architecture;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No class in {@code src/main} over 600 lines (issue 17): a class that outgrows it is split along what it does,
 * not left for a reader to wade through. Two merges of one afternoon took two classes past it unnoticed.
 */
class SourceSizeTest {

    static final int MAX_LINES = 600;

    @Test
    void noSourceFileInMainIsOverSixHundredLines() throws IOException {
        Path main = Path.of("src/main/java");
        assertTrue(Files.isDirectory(main), "run from the project's root");
        List<String> tooLong;
        try (Stream<Path> files = Files.walk(main)) {
            tooLong = files.filter(p -> p.toString().endsWith(".java")).filter(p -> lines(p) > MAX_LINES)
                    .map(p -> main.relativize(p) + ": " + lines(p) + " lines").sorted().toList();
        }
        assertEquals(List.of(), tooLong);
    }

    private static long lines(Path file) {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
