package io.kapacitystack.kapacity.gocompat;

import java.util.ArrayList;
import java.util.List;

/** The bits of Go's string handling that leak into user-visible messages and into what the parser accepts. */
public final class GoStrings {

    private GoStrings() {
    }

    /**
     * Approximates Go's {@code %q}, so messages read exactly like upstream's for ordinary names and expressions;
     * exotic non-printable characters are escaped a little differently, which no one compares on.
     */
    public static String quote(String s) {
        if (s == null) {
            return "\"\"";
        }
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case 0x07 -> b.append("\\a");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                case 0x0b -> b.append("\\v");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /**
     * Go's {@code unicode.IsSpace}, which {@code strings.Fields} splits on. Java's {@link Character#isWhitespace}
     * differs (it excludes U+00A0 and U+202F, includes U+001C..U+001F), so using it would accept or reject
     * expressions that robfig does not.
     */
    public static boolean isSpace(char c) {
        if (c < 0x100) {
            return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xA0;
        }
        return c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029
                || c == 0x202f || c == 0x205f || c == 0x3000;
    }

    /** Go's {@code strings.TrimSpace}. */
    public static String trimSpace(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && isSpace(s.charAt(from))) {
            from++;
        }
        while (to > from && isSpace(s.charAt(to - 1))) {
            to--;
        }
        return s.substring(from, to);
    }

    /** Go's {@code strings.Fields}. */
    public static List<String> fields(String s) {
        List<String> out = new ArrayList<>(6);
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && isSpace(s.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !isSpace(s.charAt(i))) {
                i++;
            }
            if (i > start) {
                out.add(s.substring(start, i));
            }
        }
        return out;
    }
}
