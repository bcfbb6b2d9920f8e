package io.kapacitystack.kapacity.console;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.kapacitystack.kapacity.events.RecordedEvent;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.vertx.core.Context;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.Objects;
import java.util.Comparator;
import java.util.Iterator;

/**
 * What the console streams: every change of an IHPA or its ReplicaProfile and every recorded event, numbered and kept
 * in a bounded ring buffer, so that a browser reconnecting with {@code Last-Event-ID} gets what it missed. Also keeps,
 * per IHPA, the recent events and a timeline of desired vs online replicas for the chart.
 * <p>Thread-safe: sources call in from informer threads and controller event loops; each subscriber is called back on
 * its own Vert.x context.
 */
public final class ConsoleHub {

    public enum Kind {
        /** The IHPA or its ReplicaProfile changed. */
        CHANGED,
        /** An IHPA appeared or disappeared: lists must be re-rendered. */
        LISTED,
        /** An event was recorded on the IHPA or its ReplicaProfile. */
        EVENT
    }

    /** One numbered item of the stream. {@code key} is always the IHPA's key. */
    public record Item(long id, Kind kind, ObjectKey key, RecordedEvent event) {
    }

    /** One chart sample: the winning portrait's replicas, the ReplicaProfile's online spec and status. */
    public record Point(Instant time, Integer desired, Integer online, Integer currentOnline) {
    }

    /** Reads the replica numbers of an IHPA for the timeline (null when unknown). */
    public interface Sampler {
        Point sample(ObjectKey key, Instant now);
    }

    public static final int DEFAULT_CAPACITY = 1000;
    static final int PER_OBJECT_EVENTS = 200;
    static final int PER_OBJECT_POINTS = 500;

    private final int capacity;
    private final ArrayDeque<Item> ring = new ArrayDeque<>();
    private long lastId;
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final Map<ObjectKey, Deque<RecordedEvent>> events = new ConcurrentHashMap<>();
    private final Map<ObjectKey, Deque<Point>> timelines = new ConcurrentHashMap<>();
    private final Supplier<Instant> clock;
    private volatile Sampler sampler;

    public ConsoleHub(int capacity, Supplier<Instant> clock) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.capacity = capacity;
        this.clock = clock;
    }

    void sampler(Sampler sampler) {
        this.sampler = sampler;
    }

    /** A recorded event on an IHPA or a ReplicaProfile (a profile has its IHPA's name). */
    public void recorded(RecordedEvent e) {
        recorded(e, new ObjectKey(e.namespace(), e.name()));
    }

    /** A recorded event on an object of the IHPA {@code key} (e.g. one of its HorizontalPortraits). */
    public void recorded(RecordedEvent e, ObjectKey key) {
        Deque<RecordedEvent> d = events.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (d) {
            d.addFirst(e);
            while (d.size() > PER_OBJECT_EVENTS) {
                d.removeLast();
            }
        }
        publish(Kind.EVENT, key, e);
    }

    /**
     * History from before this process, oldest first (the Kafka stream, read at start): events go into the ring and
     * their IHPA's list, points into its timeline, each in time order with what is already there.
     */
    public void restore(List<RecordedEvent> past, Map<ObjectKey, List<Point>> pastPoints) {
        for (RecordedEvent e : past) {
            ObjectKey key = new ObjectKey(e.namespace(), e.name());
            Deque<RecordedEvent> d = events.computeIfAbsent(key, k -> new ArrayDeque<>());
            synchronized (d) {
                if (d.stream().anyMatch(x -> Objects.equals(x.time(), e.time()) && x.reason().equals(e.reason())
                        && x.message().equals(e.message()))) {
                    continue;
                }
                List<RecordedEvent> merged = new ArrayList<>(d);
                merged.add(e);
                merged.sort(Comparator.comparing((RecordedEvent x) -> x.time(),
                        Comparator.nullsLast(Comparator.naturalOrder())).reversed());
                d.clear();
                merged.stream().limit(PER_OBJECT_EVENTS).forEach(d::addLast);
            }
            publish(Kind.EVENT, key, e);
        }
        pastPoints.forEach((key, points) -> {
            Deque<Point> d = timelines.computeIfAbsent(key, k -> new ArrayDeque<>());
            synchronized (d) {
                List<Point> merged = new ArrayList<>(points);
                merged.addAll(d);
                merged.sort(Comparator.comparing(Point::time));
                d.clear();
                merged.stream().skip(Math.max(0, merged.size() - PER_OBJECT_POINTS)).forEach(d::addLast);
            }
            publish(Kind.CHANGED, key, null);
        });
    }

    public void ihpaChanged(GenericKubernetesResource o, boolean listed) {
        ObjectKey key = ObjectKey.of(o);
        sample(key);
        publish(listed ? Kind.LISTED : Kind.CHANGED, key, null);
    }

    /** The IHPA is gone: forget its timeline and events, and have lists re-rendered. */
    public void ihpaDeleted(GenericKubernetesResource o) {
        ObjectKey key = ObjectKey.of(o);
        timelines.remove(key);
        events.remove(key);
        publish(Kind.LISTED, key, null);
    }

    public void profileChanged(GenericKubernetesResource rp) {
        OwnerReference owner = KubeObjects.controllerOf(rp, "IntelligentHorizontalPodAutoscaler");
        ObjectKey key = new ObjectKey(rp.getMetadata().getNamespace(), owner != null ? owner.getName() : rp.getMetadata().getName());
        sample(key);
        publish(Kind.CHANGED, key, null);
    }

    /** A HorizontalPortrait changed (or is gone): its owner IHPA's page shows it. Ignored without an IHPA owner. */
    public void portraitChanged(GenericKubernetesResource hp) {
        ObjectKey key = portraitOwner(hp);
        if (key != null) {
            publish(Kind.CHANGED, key, null);
        }
    }

    /** The IHPA that owns a HorizontalPortrait, or null. */
    static ObjectKey portraitOwner(GenericKubernetesResource hp) {
        OwnerReference owner = hp == null ? null : KubeObjects.controllerOf(hp, "IntelligentHorizontalPodAutoscaler");
        return owner == null ? null : new ObjectKey(hp.getMetadata().getNamespace(), owner.getName());
    }

    private void sample(ObjectKey key) {
        Sampler s = sampler;
        if (s == null) {
            return;
        }
        Point p = s.sample(key, clock.get());
        if (p == null) {
            return;
        }
        Deque<Point> d = timelines.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (d) {
            Point last = d.peekLast();
            if (last != null && Objects.equals(last.desired(), p.desired())
                    && Objects.equals(last.online(), p.online())
                    && Objects.equals(last.currentOnline(), p.currentOnline())) {
                return;
            }
            d.addLast(p);
            while (d.size() > PER_OBJECT_POINTS) {
                d.removeFirst();
            }
        }
    }

    private void publish(Kind kind, ObjectKey key, RecordedEvent e) {
        Item item;
        synchronized (this) {
            item = new Item(++lastId, kind, key, e);
            ring.addLast(item);
            while (ring.size() > capacity) {
                ring.removeFirst();
            }
        }
        for (Subscriber s : subscribers) {
            s.offer(item);
        }
    }

    /** The newest events up to item {@code upTo} that pass {@code filter}, newest first (at most {@code max}). */
    public synchronized List<Item> recentEvents(long upTo, Predicate<Item> filter, int max) {
        List<Item> out = new ArrayList<>(max);
        for (Iterator<Item> it = ring.descendingIterator(); it.hasNext() && out.size() < max; ) {
            Item item = it.next();
            if (item.kind() == Kind.EVENT && item.id() <= upTo && filter.test(item)) {
                out.add(item);
            }
        }
        return out;
    }

    /** Id of the newest item (0 before the first): a page rendered now has seen everything up to here. */
    public synchronized long lastId() {
        return lastId;
    }

    /** Recent events of one IHPA and its profile, newest first. */
    public List<RecordedEvent> events(ObjectKey key) {
        return read(events, key, ArrayList::new, List.of());
    }

    public RecordedEvent lastEvent(ObjectKey key) {
        return read(events, key, Deque::peekFirst, null);
    }

    public List<Point> timeline(ObjectKey key) {
        return read(timelines, key, ArrayList::new, List.of());
    }

    /** Reads one IHPA's deque under its lock (writers hold it while adding and trimming); {@code absent} when none. */
    private static <E, R> R read(Map<ObjectKey, Deque<E>> perKey, ObjectKey key, Function<Deque<E>, R> reader, R absent) {
        Deque<E> d = perKey.get(key);
        if (d == null) {
            return absent;
        }
        synchronized (d) {
            return reader.apply(d);
        }
    }

    /** What a subscriber gets on (re)connecting after {@code since}: the items it missed, or a gap. */
    public record Replay(List<Item> items, boolean gap, long upTo) {
    }

    /**
     * Subscribes {@code sink} (called on {@code context}) to items matching {@code filter}, and returns, atomically
     * with the subscription, the matching items newer than {@code since} still in the buffer. {@code gap} is true when
     * some items after {@code since} have already left the buffer (the subscriber should re-render everything).
     */
    public Subscription subscribe(long since, Predicate<Item> filter, Context context, Consumer<Item> sink, Consumer<Replay> replay) {
        Subscriber s = new Subscriber(filter, context, sink);
        long startedAt;
        long upTo;
        List<Item> missed = new ArrayList<>();
        boolean gap;
        synchronized (this) {
            long oldest = ring.isEmpty() ? lastId + 1 : ring.peekFirst().id();
            // An id from before a restart of this process (ids start again at 1) cannot be replayed either.
            gap = since > lastId || (since < lastId && since + 1 < oldest);
            if (since > lastId) {
                since = lastId;
            }
            for (Item i : ring) {
                if (i.id() > since && filter.test(i)) {
                    missed.add(i);
                }
            }
            subscribers.add(s);
            startedAt = since;
            upTo = lastId;
        }
        Replay r = new Replay(missed, gap, upTo);
        s.delivered = missed.isEmpty() ? startedAt : missed.get(missed.size() - 1).id();
        context.runOnContext(v -> {
            replay.accept(r);
            s.open();
        });
        return () -> subscribers.remove(s);
    }

    public int subscriberCount() {
        return subscribers.size();
    }

    public interface Subscription {
        void cancel();
    }

    /** Queues items until the replay is written, then forwards them in order on its context. */
    private static final class Subscriber {
        final Predicate<Item> filter;
        final Context context;
        final Consumer<Item> sink;
        private List<Item> pending = new ArrayList<>();
        /** Highest id handed to the sink or the replay: an item can be both replayed and offered once. */
        long delivered;

        Subscriber(Predicate<Item> filter, Context context, Consumer<Item> sink) {
            this.filter = filter;
            this.context = context;
            this.sink = sink;
        }

        void offer(Item item) {
            if (!filter.test(item)) {
                return;
            }
            synchronized (this) {
                if (pending != null) {
                    pending.add(item);
                    return;
                }
            }
            context.runOnContext(v -> deliver(item));
        }

        private void deliver(Item item) {
            if (item.id() > delivered) {
                delivered = item.id();
                sink.accept(item);
            }
        }

        void open() {
            List<Item> queued;
            synchronized (this) {
                queued = pending;
                pending = null;
            }
            queued.forEach(this::deliver);
        }
    }
}
