package io.kapacitystack.kapacity.console;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Escaping for everything the console renders: no value reaches a page, attribute or SSE line unescaped. */
public final class Html {

    private Html() {
    }

    /** Escapes text for an HTML element body or a double- or single-quoted attribute value; null renders as "". */
    /** A time for people: an instant, or an RFC 3339 text, to the second (events carry nanoseconds), escaped. */
    public static String time(Object value) {
        if (value instanceof Instant i) {
            return esc(i.truncatedTo(ChronoUnit.SECONDS));
        }
        if (value instanceof String text) {
            try {
                return esc(Instant.parse(text).truncatedTo(ChronoUnit.SECONDS));
            } catch (DateTimeParseException e) {
                return esc(text);
            }
        }
        return esc(value);
    }

    public static String esc(Object value) {
        if (value == null) {
            return "";
        }
        String s = value.toString();
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                case '`' -> b.append("&#96;");
                default -> {
                    if (c < 0x20 && c != '\n' && c != '\t') {
                        b.append(' ');
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    /**
     * A token made only of {@code [A-Za-z0-9-]} that identifies {@code value} uniquely: used for element ids and SSE
     * event names, which must not contain a newline, space or comma whatever a name contains.
     */
    public static String token(String value) {
        StringBuilder b = new StringBuilder();
        for (byte x : value.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
                b.append((char) c);
            } else {
                b.append('-').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
            }
        }
        return b.toString();
    }

    /**
     * The {@code <option>}s of a select, the current {@code value} marked selected; a value missing from
     * {@code options} (one no longer listed) is added at the end, so that it stays selected rather than silently lost.
     */
    public static void options(StringBuilder b, List<String> options, String value) {
        List<String> all = new ArrayList<>(options);
        if (!value.isEmpty() && !all.contains(value)) {
            all.add(value);
        }
        for (String o : all) {
            b.append("<option value=\"").append(esc(o)).append('"').append(o.equals(value) ? " selected" : "").append('>')
                    .append(esc(o)).append("</option>");
        }
    }

    /** What {@code part} appends, as a string: a fragment a stream sends alone that pages also append in place. */
    public static String rendered(Consumer<StringBuilder> part) {
        StringBuilder b = new StringBuilder(1024);
        part.accept(b);
        return b.toString();
    }

    /** A path segment for a link: percent-encodes everything outside the unreserved set. */
    public static String segment(String value) {
        StringBuilder b = new StringBuilder();
        for (byte x : (value == null ? "" : value).getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return b.toString();
    }
}
