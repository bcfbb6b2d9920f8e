package io.kapacitystack.kapacity.metrics.prometheus;

import java.util.ArrayList;
import java.util.List;

/**
 * A PromQL tokenizer for tests, after Prometheus's lexer (promql/parser/lex.go): strings are decoded with its
 * escapes, so a rendered query can be compared token by token with the query the template meant. Anything it cannot
 * lex (an unterminated string, an unknown escape) is an {@link IllegalArgumentException}.
 */
final class PromQLTokens {

    enum Kind { STRING, WORD, OP }

    record Token(Kind kind, String text) {
    }

    private PromQLTokens() {
    }

    static List<Token> lex(String q) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < q.length()) {
            char c = q.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '"' || c == '\'') {
                StringBuilder s = new StringBuilder();
                i++;
                while (true) {
                    if (i >= q.length()) {
                        throw new IllegalArgumentException("unterminated string in " + q);
                    }
                    char d = q.charAt(i);
                    if (d == c) {
                        i++;
                        break;
                    }
                    if (d == '\n') {
                        throw new IllegalArgumentException("newline in string in " + q);
                    }
                    if (d != '\\') {
                        s.append(d);
                        i++;
                        continue;
                    }
                    char e = q.charAt(i + 1);
                    i += 2;
                    switch (e) {
                        case 'a' -> s.append('\u0007');
                        case 'b' -> s.append('\b');
                        case 'f' -> s.append('\f');
                        case 'n' -> s.append('\n');
                        case 'r' -> s.append('\r');
                        case 't' -> s.append('\t');
                        case 'v' -> s.append('\u000b');
                        case '\\', '"', '\'' -> s.append(e);
                        case 'x' -> {
                            s.append((char) Integer.parseInt(q.substring(i, i + 2), 16));
                            i += 2;
                        }
                        case 'u' -> {
                            s.append((char) Integer.parseInt(q.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> throw new IllegalArgumentException("unknown escape \\" + e + " in " + q);
                    }
                }
                out.add(new Token(Kind.STRING, s.toString()));
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == ':' || c == '.') {
                int start = i;
                while (i < q.length() && (Character.isLetterOrDigit(q.charAt(i)) || q.charAt(i) == '_'
                        || q.charAt(i) == ':' || q.charAt(i) == '.')) {
                    i++;
                }
                out.add(new Token(Kind.WORD, q.substring(start, i)));
            } else {
                String two = i + 1 < q.length() ? q.substring(i, i + 2) : "";
                if (two.equals("=~") || two.equals("!~") || two.equals("!=") || two.equals("==")) {
                    out.add(new Token(Kind.OP, two));
                    i += 2;
                } else {
                    out.add(new Token(Kind.OP, String.valueOf(c)));
                    i++;
                }
            }
        }
        return out;
    }
}
