package io.kapacitystack.kapacity.cli;

import io.kapacitystack.kapacity.gocompat.Flags;

import java.util.regex.Pattern;

/** The flags every command shares with kubectl: which cluster and namespace, dry run and output format. */
public final class CommonFlags {

    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
    private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");

    private CommonFlags() {
    }

    public static Flags define(Flags f) {
        return f.define("n", "", "the namespace (default: the kubeconfig context's, else \"default\")")
                .define("namespace", "", "same as -n")
                .define("kubeconfig", "", "the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)")
                .define("context", "", "the kubeconfig context (default: the current context)")
                .define("o", "", "output format: yaml or json (with --dry-run=client, the object instead of a line)")
                .define("output", "", "same as -o")
                .define("dry-run", "none", "client: print what would be created and create nothing");
    }

    /** Parses, turning the flag parser's errors into refusals. */
    public static Flags parse(Flags f, String[] args) {
        try {
            return f.parse(args);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
    }

    /** The namespace asked for, or null for the kubeconfig context's. */
    public static String namespace(Flags f) {
        String n = f.get("n").isEmpty() ? f.get("namespace") : f.get("n");
        if (n.isEmpty()) {
            return null;
        }
        if (n.length() > 63 || !DNS_LABEL.matcher(n).matches()) {
            throw new CliException("invalid namespace " + AutoscaleSpec.quote(n) + ": must be a DNS label");
        }
        return n;
    }

    public static String output(Flags f) {
        String o = f.get("o").isEmpty() ? f.get("output") : f.get("o");
        if (!o.isEmpty() && !o.equals("yaml") && !o.equals("json")) {
            throw new CliException("unable to match a printer suitable for the output format " + AutoscaleSpec.quote(o)
                    + ", allowed formats are: json,yaml");
        }
        return o.isEmpty() ? null : o;
    }

    /** "none" or "client" (kubectl's "server" needs an API server's dry run, which this tool does not ask for). */
    public static String dryRun(Flags f) {
        String d = f.get("dry-run");
        if (!d.equals("none") && !d.equals("client")) {
            throw new CliException("invalid --dry-run " + AutoscaleSpec.quote(d) + ": must be \"none\" or \"client\"");
        }
        return d;
    }

    public static boolean isDnsSubdomain(String s) {
        return s != null && s.length() <= 253 && DNS_SUBDOMAIN.matcher(s).matches();
    }
}
