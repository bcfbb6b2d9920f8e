package io.kapacitystack.kapacity.sandbox.sim;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;

/**
 * The sandbox's "container runtime" for job pods: image → {@link JobRunner}. The project's own image registers
 * its in-process commands here; {@code --job-command IMAGE=COMMAND} registers a {@link CommandJobRunner}. An
 * image given without a tag also matches {@code :latest}, as a container runtime resolves it.
 */
public final class JobRunners {

    private final Map<String, JobRunner> byImage = new ConcurrentHashMap<>();

    public JobRunners register(String image, JobRunner runner) {
        byImage.put(normalize(image), runner);
        return this;
    }

    public Optional<JobRunner> find(String image) {
        return image == null || image.isEmpty() ? Optional.empty() : Optional.ofNullable(byImage.get(normalize(image)));
    }

    /** The images that have a runner, for messages. */
    public Set<String> images() {
        return Set.copyOf(byImage.keySet());
    }

    static String normalize(String image) {
        String ref = image.trim();
        int slash = ref.lastIndexOf('/');
        boolean tagged = ref.indexOf(':', slash + 1) >= 0 || ref.contains("@");
        return tagged ? ref : ref + ":latest";
    }
}
