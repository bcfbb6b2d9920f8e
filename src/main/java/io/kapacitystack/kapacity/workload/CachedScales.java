package io.kapacitystack.kapacity.workload;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference;
import io.kapacitystack.kapacity.kube.LabelSelectors;
import io.kapacitystack.kapacity.kube.ResourceCache;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.vertx.core.Future;

/**
 * The scale of a target as the watched StatefulSets and Deployments show it, without an API call; other kinds (and
 * a workload not in the cache yet) are read through the {@code /scale} subresource.
 *
 * <p>Reactive portraits read their target's scale on every sync: ten thousand of them at a 15 s period would be 667
 * GETs a second, far beyond a controller's usual API rate limit. A StatefulSet's or Deployment's scale is its
 * {@code spec.replicas}, {@code status.replicas} and {@code spec.selector}, all in the cached object.
 */
public final class CachedScales {

    private final ResourceCache<StatefulSet> statefulSets;
    private final ResourceCache<Deployment> deployments;
    private final ScaleClient api;

    public CachedScales(ResourceCache<StatefulSet> statefulSets, ResourceCache<Deployment> deployments, ScaleClient api) {
        this.statefulSets = statefulSets;
        this.deployments = deployments;
        this.api = api;
    }

    public Future<ScaleInfo> get(String namespace, CrossVersionObjectReference ref) {
        String problem = ScaleClient.problem(namespace, ref);
        if (problem != null) {
            // refused as the API call would be: a malformed reference never reads a cached workload either
            return Future.failedFuture(new ScaleClient.InvalidTarget(problem));
        }
        if ("apps".equals(ref.group()) && "v1".equals(ref.version())) {
            ObjectKey key = new ObjectKey(namespace, ref.name);
            if ("StatefulSet".equals(ref.kind)) {
                StatefulSet s = statefulSets.get(key);
                if (s != null && s.getSpec() != null && s.getSpec().getSelector() != null) {
                    return Future.succeededFuture(new ScaleInfo(orDefault(s.getSpec().getReplicas(), 1),
                            s.getStatus() == null ? 0 : orDefault(s.getStatus().getReplicas(), 0),
                            LabelSelectors.format(s.getSpec().getSelector())));
                }
            } else if ("Deployment".equals(ref.kind)) {
                Deployment d = deployments.get(key);
                if (d != null && d.getSpec() != null && d.getSpec().getSelector() != null) {
                    return Future.succeededFuture(new ScaleInfo(orDefault(d.getSpec().getReplicas(), 1),
                            d.getStatus() == null ? 0 : orDefault(d.getStatus().getReplicas(), 0),
                            LabelSelectors.format(d.getSpec().getSelector())));
                }
            }
        }
        return api.get(namespace, ref);
    }

    private static int orDefault(Integer value, int otherwise) {
        return value == null ? otherwise : value;
    }
}
