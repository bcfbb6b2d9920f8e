package io.kapacitystack.kapacity.runtime;

import java.util.Objects;
import io.fabric8.kubernetes.api.model.HasMetadata;

/** namespace/name of a namespaced object: the unit of work of a controller. */
public final class ObjectKey implements Comparable<ObjectKey> {
    private final String namespace;
    private final String name;

    public ObjectKey(String namespace, String name) {
        this.namespace = Objects.requireNonNull(namespace, "namespace");
        this.name = Objects.requireNonNull(name, "name");
    }

    public static ObjectKey of(HasMetadata o) {
        return new ObjectKey(o.getMetadata().getNamespace(), o.getMetadata().getName());
    }

    public static ObjectKey parse(String key) {
        int slash = key.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not a namespace/name key: " + key);
        }
        return new ObjectKey(key.substring(0, slash), key.substring(slash + 1));
    }

    public String namespace() {
        return namespace;
    }

    public String name() {
        return name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ObjectKey && ((ObjectKey) o).namespace.equals(namespace) && ((ObjectKey) o).name.equals(name);
    }

    @Override
    public int hashCode() {
        return namespace.hashCode() * 31 + name.hashCode();
    }

    @Override
    public int compareTo(ObjectKey o) {
        int c = namespace.compareTo(o.namespace);
        return c != 0 ? c : name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
