package io.kapacitystack.kapacity.cli;

import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResourceTypesTest {

    private static final List<ResourceTypes.Discovered> DISCOVERED = List.of(
            d("example.com/v1", "webapps", "webapp", "WebApp", List.of("wa"), true),
            d("extensions.example.com/v1", "deployments", "deployment", "Deployment", List.of(), false),
            d("v1", "replicationcontrollers", "replicationcontroller", "ReplicationController", List.of("rc"), true),
            d("v1", "services", "service", "Service", List.of("svc"), false),
            d("apps/v1", "deployments", "deployment", "Deployment", List.of("deploy"), true),
            d("apps/v1", "statefulsets", "statefulset", "StatefulSet", List.of("sts"), true),
            d("apps/v1", "replicasets", "replicaset", "ReplicaSet", List.of("rs"), true));

    @Test
    void kubectlSpellingsOfTheFiveKinds() {
        for (String t : List.of("deployment", "deployments", "deploy", "Deployment", "deployments.apps")) {
            assertEquals("apps/v1", ResourceTypes.resolve(t, DISCOVERED).orElseThrow().groupVersion(), t);
        }
        assertEquals("StatefulSet", ResourceTypes.resolve("sts", DISCOVERED).orElseThrow().resource().getKind());
        assertEquals("ReplicaSet", ResourceTypes.resolve("rs", DISCOVERED).orElseThrow().resource().getKind());
        assertEquals("ReplicationController", ResourceTypes.resolve("rc", DISCOVERED).orElseThrow().resource().getKind());
        assertEquals("WebApp", ResourceTypes.resolve("wa", DISCOVERED).orElseThrow().resource().getKind());
        assertEquals("extensions.example.com/v1",
                ResourceTypes.resolve("deployments.extensions.example.com", DISCOVERED).orElseThrow().groupVersion());
        assertEquals("deployments.apps", ResourceTypes.resolve("deploy", DISCOVERED).orElseThrow().qualifiedName());
        assertTrue(ResourceTypes.resolve("nothing", DISCOVERED).isEmpty());
    }

    @Test
    void theFourBuiltInWorkloadsByGroupAndKindEverythingElseIsACustomResource() {
        for (String t : List.of("deploy", "sts", "rs", "rc")) {
            assertTrue(ResourceTypes.isBuiltinWorkload(ResourceTypes.resolve(t, DISCOVERED).orElseThrow()), t);
        }
        // a Deployment kind of another group is someone's custom resource: its /scale must report a selector
        for (String t : List.of("wa", "deployments.extensions.example.com", "svc")) {
            assertFalse(ResourceTypes.isBuiltinWorkload(ResourceTypes.resolve(t, DISCOVERED).orElseThrow()), t);
        }
    }

    @Test
    void typeSlashName() {
        assertEquals(List.of("deployment", "web"), List.of(ResourceTypes.split("deployment/web")));
        assertThrows(CliException.class, () -> ResourceTypes.split("web"));
        assertThrows(CliException.class, () -> ResourceTypes.split("deployment/"));
        assertThrows(CliException.class, () -> ResourceTypes.split("a/b/c"));
        assertThrows(CliException.class, () -> ResourceTypes.split("deployment/Web?x=1"));
    }

    private static ResourceTypes.Discovered d(String gv, String plural, String singular, String kind, List<String> shortNames,
                                              boolean scalable) {
        APIResource r = new APIResourceBuilder().withName(plural).withSingularName(singular).withKind(kind)
                .withShortNames(shortNames).withNamespaced(true).build();
        return new ResourceTypes.Discovered(gv, r, scalable);
    }
}
