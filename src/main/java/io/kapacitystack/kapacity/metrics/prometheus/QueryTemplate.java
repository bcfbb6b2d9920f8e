package io.kapacitystack.kapacity.metrics.prometheus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The subset of Go templates (delimiters {@code << >>}) that prometheus-adapter query templates use:
 * {@code <<.Series>>}, {@code <<.LabelMatchers>>}, {@code <<.GroupBy>>}, {@code <<index .LabelValuesByName "l">>}
 * and {@code <<index .GroupBySlice N>>}, with the {@code <<-}/{@code ->>} whitespace trimming. Anything else is
 * rejected when the config is loaded.
 */
public final class QueryTemplate {

    /** The values a template is rendered with. */
    public record Values(String series, String labelMatchers, Map<String, String> labelValuesByName, String groupBy,
                         List<String> groupBySlice) {
    }

    private interface Part {
        String render(Values v);
    }

    private static final Pattern ACTION = Pattern.compile("<<(-\\s)?\\s*(.*?)\\s*(\\s-)?>>", Pattern.DOTALL);
    private static final Pattern INDEX_LABEL = Pattern.compile("index\\s+\\.LabelValuesByName\\s+\"([^\"]*)\"");
    private static final Pattern INDEX_GROUP = Pattern.compile("index\\s+\\.GroupBySlice\\s+(\\d+)");

    private final String source;
    private final List<Part> parts;

    private QueryTemplate(String source, List<Part> parts) {
        this.source = source;
        this.parts = parts;
    }

    public static QueryTemplate compile(String text) {
        List<Part> parts = new ArrayList<>();
        Matcher m = ACTION.matcher(text);
        int at = 0;
        boolean trimNextLeft = false;
        while (m.find()) {
            String literal = text.substring(at, m.start());
            if (trimNextLeft) {
                literal = literal.stripLeading();
            }
            if (m.group(1) != null) {
                literal = literal.stripTrailing();
            }
            String lit = literal;
            parts.add(v -> lit);
            parts.add(action(m.group(2)));
            trimNextLeft = m.group(3) != null;
            at = m.end();
        }
        String tail = trimNextLeft ? text.substring(at).stripLeading() : text.substring(at);
        if (tail.contains("<<")) {
            throw new IllegalArgumentException("unclosed action in \"" + text + "\"");
        }
        parts.add(v -> tail);
        return new QueryTemplate(text, parts);
    }

    private static Part action(String a) {
        switch (a) {
            case ".Series": return Values::series;
            case ".LabelMatchers": return Values::labelMatchers;
            case ".GroupBy": return Values::groupBy;
            default:
                break;
        }
        Matcher label = INDEX_LABEL.matcher(a);
        if (label.matches()) {
            String name = label.group(1);
            return v -> v.labelValuesByName().getOrDefault(name, "");
        }
        Matcher group = INDEX_GROUP.matcher(a);
        if (group.matches()) {
            int i = Integer.parseInt(group.group(1));
            return v -> i < v.groupBySlice().size() ? v.groupBySlice().get(i) : "";
        }
        throw new IllegalArgumentException("unsupported template action \"<<" + a + ">>\"");
    }

    public String render(Values values) {
        StringBuilder out = new StringBuilder();
        for (Part p : parts) {
            out.append(p.render(values));
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return source;
    }
}
