package io.kapacitystack.kapacity.gocompat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small Go-flag-compatible parser: {@code --name=value}, {@code --name value}, {@code -name value}, and bare
 * {@code --flag} for booleans. Go's syntax is kept because Kapacity's manifests and Helm charts pass flags that way.
 * Unknown flags are errors, so a typo in a chart never goes unnoticed.
 */
public final class Flags {

    private final Map<String, Flag> flags = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();

    public Flags define(String name, String defaultValue, String usage) {
        flags.put(name, new Flag(name, defaultValue, usage, false));
        return this;
    }

    /** A flag that may be given several times; {@link #getAll} returns every value in order. */
    public Flags defineRepeated(String name, String usage) {
        Flag flag = new Flag(name, "", usage + " (repeatable)", false);
        flag.repeated = true;
        flags.put(name, flag);
        return this;
    }

    public Flags defineBool(String name, boolean defaultValue, String usage) {
        flags.put(name, new Flag(name, Boolean.toString(defaultValue), usage, true));
        return this;
    }

    public Flags parse(String... args) {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("-") || arg.equals("-") ) {
                positional.add(arg);
                continue;
            }
            if (arg.equals("--")) {
                for (int j = i + 1; j < args.length; j++) {
                    positional.add(args[j]);
                }
                break;
            }
            String body = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
            String name = body;
            String value = null;
            int eq = body.indexOf('=');
            if (eq >= 0) {
                name = body.substring(0, eq);
                value = body.substring(eq + 1);
            }
            Flag flag = flags.get(name);
            if (flag == null) {
                throw new IllegalArgumentException("flag provided but not defined: -" + name);
            }
            if (value == null) {
                if (flag.bool) {
                    value = "true";
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new IllegalArgumentException("flag needs an argument: -" + name);
                }
            }
            flag.value = value;
            flag.values.add(value);
        }
        return this;
    }

    public String get(String name) {
        Flag f = flags.get(name);
        if (f == null) {
            throw new IllegalArgumentException("undefined flag " + name);
        }
        return f.value;
    }

    /** Every value given for a repeatable flag, in order (empty if none). */
    public List<String> getAll(String name) {
        Flag f = flags.get(name);
        if (f == null) {
            throw new IllegalArgumentException("undefined flag " + name);
        }
        return List.copyOf(f.values);
    }

    public boolean getBool(String name) {
        String v = get(name);
        if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false") && !v.equals("1") && !v.equals("0")) {
            throw new IllegalArgumentException("invalid boolean value \"" + v + "\" for flag -" + name);
        }
        return v.equalsIgnoreCase("true") || v.equals("1");
    }

    public int getInt(String name) {
        try {
            return Integer.parseInt(get(name).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid value \"" + get(name) + "\" for flag -" + name + ": not an integer");
        }
    }

    public double getDouble(String name) {
        try {
            return Double.parseDouble(get(name).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid value \"" + get(name) + "\" for flag -" + name + ": not a number");
        }
    }

    public Duration getDuration(String name) {
        try {
            return GoDuration.parse(get(name));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid value \"" + get(name) + "\" for flag -" + name + ": " + e.getMessage());
        }
    }

    public List<String> positional() {
        return Collections.unmodifiableList(positional);
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(flags.keySet());
    }

    public String usage() {
        StringBuilder sb = new StringBuilder();
        for (Flag f : flags.values()) {
            // a one-letter flag is written as users type it (-n), as kubectl does
            sb.append(f.name.length() == 1 ? "  -" : "  --").append(f.name);
            if (!f.bool) {
                sb.append(" value");
            }
            sb.append("\n        ").append(f.usage);
            if (!f.defaultValue.isEmpty() && !(f.bool && f.defaultValue.equals("false"))) {
                sb.append(" (default ").append(f.defaultValue).append(')');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static final class Flag {
        final String name;
        final String defaultValue;
        final String usage;
        final boolean bool;
        boolean repeated;
        String value;
        final List<String> values = new ArrayList<>();

        Flag(String name, String defaultValue, String usage, boolean bool) {
            this.name = name;
            this.defaultValue = defaultValue;
            this.usage = usage;
            this.bool = bool;
            this.value = defaultValue;
        }
    }
}
