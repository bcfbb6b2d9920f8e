package io.kapacitystack.kapacity.app;

import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference;
import io.kapacitystack.kapacity.cli.AutoscaleSpec;
import io.kapacitystack.kapacity.cli.CliException;
import io.kapacitystack.kapacity.cli.ResourceTypes;
import io.kapacitystack.kapacity.gocompat.Flags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The command line's connection: a client and the namespace of the kubeconfig's context, as kubectl picks them;
 * discovery read once, when first needed.
 */
final class CliCluster implements AutoCloseable {

    final KubernetesClient client;
    final String namespace;
    private List<ResourceTypes.Discovered> discovered;

    CliCluster(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    List<ResourceTypes.Discovered> discovery() {
        if (discovered == null) {
            discovered = new ArrayList<>();
            List<String> groupVersions = new ArrayList<>(List.of("v1"));
            for (var g : client.getApiGroups().getGroups()) {
                if (g.getPreferredVersion() != null) {
                    groupVersions.add(g.getPreferredVersion().getGroupVersion());
                }
            }
            for (String gv : groupVersions) {
                var list = client.getApiResources(gv);
                if (list == null || list.getResources() == null) {
                    continue;
                }
                Set<String> scalable = new HashSet<>();
                for (APIResource r : list.getResources()) {
                    if (r.getName().endsWith("/scale")) {
                        scalable.add(r.getName().substring(0, r.getName().indexOf('/')));
                    }
                }
                for (APIResource r : list.getResources()) {
                    if (!r.getName().contains("/")) {
                        discovered.add(new ResourceTypes.Discovered(gv, r, scalable.contains(r.getName())));
                    }
                }
            }
        }
        return discovered;
    }

    ResourceTypes.Discovered resolve(String type) {
        return ResourceTypes.resolve(type, discovery()).orElseThrow(() ->
                new CliException("the server doesn't have a resource type " + AutoscaleSpec.quote(type)));
    }

    ResourceTypes.Discovered resolveKind(CrossVersionObjectReference ref) {
        String gv = ref.apiVersion == null || ref.apiVersion.isEmpty() ? "v1" : ref.apiVersion;
        return discovery().stream().filter(d -> d.groupVersion().equals(gv) && ref.kind.equals(d.resource().getKind()))
                .findFirst().orElse(null);
    }

    @Override
    public void close() {
        client.close();
    }

    static ResourceDefinitionContext context(ResourceTypes.Discovered d) {
        return new ResourceDefinitionContext.Builder().withGroup(d.group())
                .withVersion(d.groupVersion().substring(d.groupVersion().indexOf('/') + 1))
                .withPlural(d.resource().getName()).withKind(d.resource().getKind())
                .withNamespaced(Boolean.TRUE.equals(d.resource().getNamespaced())).build();
    }

    static CliCluster connect(Flags f) {
        String kubeconfig = f.get("kubeconfig");
        String context = f.get("context").isEmpty() ? null : f.get("context");
        Config config;
        if (kubeconfig.isEmpty()) {
            config = Config.autoConfigure(context);
        } else {
            try {
                config = Config.fromKubeconfig(context, Files.readString(Path.of(kubeconfig)), kubeconfig);
            } catch (IOException e) {
                throw new CliException("cannot read kubeconfig " + kubeconfig + ": " + e.getMessage());
            }
        }
        config.setUserAgent("kapacity-cli");
        String namespace = config.getNamespace() == null || config.getNamespace().isEmpty() ? "default" : config.getNamespace();
        return new CliCluster(new KubernetesClientBuilder().withConfig(config).build(), namespace);
    }
}
