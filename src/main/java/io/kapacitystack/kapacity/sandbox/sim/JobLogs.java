package io.kapacitystack.kapacity.sandbox.sim;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The containers' output of job pods, by pod uid, each bounded to {@link #MAX_BYTES} characters (the oldest text
 * goes first, as a kubelet rotates logs); forgotten when the pod goes. Served at
 * {@code /api/v1/namespaces/{ns}/pods/{pod}/log} ({@code kubectl logs}).
 */
public final class JobLogs {

    public static final int MAX_BYTES = 256 * 1024;
    private static final String TRUNCATED = "(earlier output dropped: the sandbox keeps the last 256 KiB)\n";

    private final Map<String, StringBuilder> byPod = new ConcurrentHashMap<>();

    JobRunner.LogSink sink(String podUid) {
        StringBuilder log = byPod.computeIfAbsent(podUid, k -> new StringBuilder());
        return text -> {
            synchronized (log) {
                log.append(text);
                if (log.length() > MAX_BYTES) {
                    int cut = log.length() - MAX_BYTES + TRUNCATED.length();
                    int newline = log.indexOf("\n", cut);
                    log.delete(0, newline < 0 || newline - cut > 4096 ? cut : newline + 1);
                    if (!log.toString().startsWith(TRUNCATED)) {
                        log.insert(0, TRUNCATED);
                    }
                }
            }
        };
    }

    /** The log of a pod by uid, if it ever ran here. */
    public Optional<String> of(String podUid) {
        StringBuilder log = podUid == null ? null : byPod.get(podUid);
        if (log == null) {
            return Optional.empty();
        }
        synchronized (log) {
            return Optional.of(log.toString());
        }
    }

    void retainOnly(Predicate<String> podExists) {
        byPod.keySet().removeIf(podExists.negate());
    }
}
