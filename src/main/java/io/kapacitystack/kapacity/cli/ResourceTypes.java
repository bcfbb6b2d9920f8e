package io.kapacitystack.kapacity.cli;

import io.fabric8.kubernetes.api.model.APIResource;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Resolves what the user typed before the slash ({@code deployment}, {@code deploy}, {@code rc},
 * {@code deployments.apps}, {@code foos.example.com}) against discovery, as kubectl's RESTMapper does: plural,
 * singular, kind or short name, optionally qualified by the group; the core and apps groups first.
 */
public final class ResourceTypes {

    /** One namespaced or cluster resource from discovery, with whether it serves {@code /scale}. */
    public record Discovered(String groupVersion, APIResource resource, boolean scalable) {
        public String group() {
            int slash = groupVersion.indexOf('/');
            return slash < 0 ? "" : groupVersion.substring(0, slash);
        }

        /** How kubectl names it in messages: {@code deployments.apps}, {@code replicationcontrollers}. */
        public String qualifiedName() {
            return group().isEmpty() ? resource.getName() : resource.getName() + "." + group();
        }
    }

    /**
     * Deployments, StatefulSets, ReplicaSets and ReplicationControllers: kinds whose pod template and selector are in
     * the object and whose /scale the API server always gives a selector; anything else is a custom resource.
     */
    public static boolean isBuiltinWorkload(Discovered d) {
        String kind = d.resource().getKind();
        return switch (d.group()) {
            case "apps" -> "Deployment".equals(kind) || "StatefulSet".equals(kind) || "ReplicaSet".equals(kind);
            case "" -> "ReplicationController".equals(kind);
            default -> false;
        };
    }

    private ResourceTypes() {
    }

    /** {@code TYPE/NAME} split; refused unless both parts are there and the name is a DNS subdomain. */
    public static String[] split(String typeSlashName) {
        int slash = typeSlashName.indexOf('/');
        if (slash <= 0 || slash == typeSlashName.length() - 1 || typeSlashName.indexOf('/', slash + 1) >= 0) {
            throw new CliException("arguments in resource/name form must have a single resource and name, got "
                    + AutoscaleSpec.quote(typeSlashName));
        }
        String name = typeSlashName.substring(slash + 1);
        if (!CommonFlags.isDnsSubdomain(name)) {
            throw new CliException("invalid name " + AutoscaleSpec.quote(name) + ": must be a DNS subdomain");
        }
        return new String[] {typeSlashName.substring(0, slash), name};
    }

    /** The resource {@code type} names, preferring the core group, then apps, then discovery order. */
    public static Optional<Discovered> resolve(String type, List<Discovered> discovered) {
        String t = type.toLowerCase(Locale.ROOT);
        String group = null;
        int dot = t.indexOf('.');
        if (dot > 0) {
            group = t.substring(dot + 1);
            t = t.substring(0, dot);
        }
        for (String preferred : new String[] {"", "apps", null}) {
            for (Discovered d : discovered) {
                if (preferred != null && !d.group().equals(preferred)) {
                    continue;
                }
                if (group != null && !d.group().equals(group)) {
                    continue;
                }
                if (matches(t, d.resource())) {
                    return Optional.of(d);
                }
            }
        }
        return Optional.empty();
    }

    private static boolean matches(String t, APIResource r) {
        if (r.getName() == null || r.getName().contains("/")) {
            return false;
        }
        return t.equals(r.getName()) || t.equals(r.getSingularName())
                || (r.getKind() != null && t.equals(r.getKind().toLowerCase(Locale.ROOT)))
                || (r.getShortNames() != null && r.getShortNames().contains(t));
    }
}
