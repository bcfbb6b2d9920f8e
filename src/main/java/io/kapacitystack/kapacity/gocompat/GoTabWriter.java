package io.kapacitystack.kapacity.gocompat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Go's {@code text/tabwriter} as kubectl's describers configure it ({@code NewWriter(out, 0, 8, 2, ' ', 0)}):
 * tab-terminated cells in consecutive lines form a column padded to its widest cell plus two spaces; a line's last
 * cell (after its last tab) is not aligned; a line without a tab ends every column. Widths count code points, as
 * Go counts runes.
 */
public final class GoTabWriter {

    private static final int PADDING = 2;
    /** kubectl's table printer ({@code printers.GetNewTabWriter}): minimum width 6, padding 3. */
    public static final int TABLE_MIN_WIDTH = 6;
    public static final int TABLE_PADDING = 3;

    private GoTabWriter() {
    }

    /** Aligns {@code text} (lines ending in '\n'; a missing final newline is kept missing). */
    public static String format(String text) {
        return format(text, 0, PADDING);
    }

    /** Aligns {@code text} with Go's {@code minwidth} and {@code padding}. */
    public static String format(String text, int minWidth, int padding) {
        List<List<String>> lines = new ArrayList<>();
        String[] raw = text.split("\n", -1);
        for (String line : raw) {
            lines.add(List.of(line.split("\t", -1)));
        }
        StringBuilder out = new StringBuilder();
        new Formatter(lines, out, minWidth, padding).format(0, lines.size(), new ArrayList<>());
        // split(-1) adds an empty line after a final '\n': the loop wrote a '\n' after every line but the last
        return out.toString();
    }

    private static final class Formatter {
        private final List<List<String>> lines;
        private final StringBuilder out;
        private final int minWidth;
        private final int padding;
        private int written;

        Formatter(List<List<String>> lines, StringBuilder out, int minWidth, int padding) {
            this.lines = lines;
            this.out = out;
            this.minWidth = minWidth;
            this.padding = padding;
        }

        /** Go's tabwriter.format: the lines [line0, line1) with the enclosing columns' widths. */
        void format(int line0, int line1, List<Integer> widths) {
            int column = widths.size();
            for (int current = line0; current < line1; current++) {
                if (column >= lines.get(current).size() - 1) {
                    continue;
                }
                writeLines(line0, current, widths);
                line0 = current;
                int width = minWidth;
                for (; current < line1; current++) {
                    List<String> line = lines.get(current);
                    if (column >= line.size() - 1) {
                        break;
                    }
                    width = Math.max(width, length(line.get(column)) + padding);
                }
                widths.add(width);
                format(line0, current, widths);
                widths.remove(widths.size() - 1);
                line0 = current;
                current--;
            }
            writeLines(line0, line1, widths);
        }

        private void writeLines(int line0, int line1, List<Integer> widths) {
            for (int i = line0; i < line1 && i >= written; i++) {
                List<String> cells = lines.get(i);
                for (int j = 0; j < cells.size(); j++) {
                    String cell = cells.get(j);
                    out.append(cell);
                    if (j < cells.size() - 1 && j < widths.size()) {
                        out.append(" ".repeat(Math.max(0, widths.get(j) - length(cell))));
                    }
                }
                if (i < lines.size() - 1) {
                    out.append('\n');
                }
                written = i + 1;
            }
        }

        private static int length(String s) {
            return s.codePointCount(0, s.length());
        }
    }

    /** Kubernetes' {@code duration.HumanDuration} (k8s.io/apimachinery/pkg/util/duration), as kubectl prints ages. */
    public static String humanDuration(Duration d) {
        long seconds = d.getSeconds();
        if (seconds < -1) {
            return "<invalid>";
        } else if (seconds < 0) {
            return "0s";
        } else if (seconds < 60 * 2) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 10) {
            return units(minutes, "m", seconds % 60, "s");
        } else if (minutes < 60 * 3) {
            return minutes + "m";
        }
        long hours = minutes / 60;
        if (hours < 8) {
            return units(hours, "h", minutes % 60, "m");
        } else if (hours < 48) {
            return hours + "h";
        } else if (hours < 24 * 8) {
            return units(hours / 24, "d", hours % 24, "h");
        } else if (hours < 24 * 365 * 2) {
            return hours / 24 + "d";
        } else if (hours < 24 * 365 * 8) {
            return units(hours / 24 / 365, "y", hours / 24 % 365, "d");
        }
        return hours / 24 / 365 + "y";
    }

    /** {@code 3m}, or {@code 3m20s} when the smaller unit is not zero, as HumanDuration writes two units. */
    private static String units(long large, String largeUnit, long small, String smallUnit) {
        return small == 0 ? large + largeUnit : large + largeUnit + small + smallUnit;
    }
}
