package io.kapacitystack.kapacity.sandbox.api;

import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The store's objects by group, version, resource, namespace and name. fabric8's CRUD dispatcher finds one object by
 * copying and matching every stored attribute set, so each read, and each write (which looks the object up first),
 * costs the size of the whole store: at 1,000 workloads the API's single event loop spent most of its time there
 * (docs/scaling-out.md). The index is kept by the store's write path ({@link SandboxDispatcher#processEvent}, under
 * the store's write lock, in the store's order); readers take an entry without that lock, which orders them before
 * or after a concurrent write, never in the middle of it.
 */
final class ObjectIndex {

    /** A stored object: its key in fabric8's store and its JSON. */
    record Entry(AttributeSet attributes, String json) {
    }

    private static final String[] KEY_ATTRIBUTES = {"api", "version", "plural", "namespace", "name"};

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    /** Whether {@code query} names one object (a plural and a name), so {@link #find} answers it. */
    static boolean answers(AttributeSet query) {
        return value(query, "name") != null && value(query, "plural") != null;
    }

    /**
     * The stored object {@code query} names, or null. A query without a namespace names a cluster-scoped object, as
     * on the API server (fabric8's scan would also match a namespaced object of that name).
     */
    Entry find(AttributeSet query) {
        Entry entry = entries.get(key(query));
        return entry != null && entry.attributes().matches(query) ? entry : null;
    }

    /** Records a change of the store: {@code oldAttributes} (null: created) replaced by {@code newAttributes} (null: removed). */
    void stored(AttributeSet oldAttributes, AttributeSet newAttributes, String newState) {
        if (oldAttributes != null && answers(oldAttributes)) {
            entries.remove(key(oldAttributes));
        }
        if (newAttributes != null && newState != null && answers(newAttributes)) {
            entries.put(key(newAttributes), new Entry(newAttributes, newState));
        }
    }

    int size() {
        return entries.size();
    }

    private static String key(AttributeSet attributes) {
        StringBuilder key = new StringBuilder();
        for (String name : KEY_ATTRIBUTES) {
            String v = value(attributes, name);
            // '/' cannot occur in any of these values (they are path segments), so the key is unambiguous
            key.append(v == null ? "" : v).append('/');
        }
        return key.toString();
    }

    private static String value(AttributeSet set, String key) {
        Attribute attribute = set.getAttribute(key);
        return attribute == null || attribute.getValues().isEmpty() ? null : String.valueOf(attribute.getValues().iterator().next());
    }
}
