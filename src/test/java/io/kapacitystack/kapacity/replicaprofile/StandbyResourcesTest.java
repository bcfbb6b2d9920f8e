package io.kapacitystack.kapacity.replicaprofile;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class StandbyResourcesTest {

    private static final Quantity CPU = new Quantity("10m");
    private static final Quantity MEM = new Quantity("32Mi");

    @Test
    void guaranteedPodKeepsItsQosClass() {
        Pod pod = pod("100m", "100m", "100Mi", "100Mi");
        StandbyResources.Shrink s = StandbyResources.shrink(pod, CPU, MEM);
        JsonObject resources = container(s.resizePatch());
        assertEquals(new JsonObject().put("cpu", "10m"), resources.getJsonObject("requests"), "memory request equal to its limit stays");
        assertEquals(new JsonObject().put("cpu", "10m"), resources.getJsonObject("limits"));
        assertEquals(new JsonObject().put("app", new JsonObject().put("cpuRequest", "100m").put("cpuLimit", "100m")), new JsonObject(s.original()));
    }

    @Test
    void burstablePodGivesBackCpuAndMemoryRequestsAndGetsThemBack() {
        Pod pod = pod("500m", null, "512Mi", "1Gi");
        StandbyResources.Shrink s = StandbyResources.shrink(pod, CPU, MEM);
        JsonObject resources = container(s.resizePatch());
        assertEquals(new JsonObject().put("cpu", "10m").put("memory", "32Mi"), resources.getJsonObject("requests"));
        assertNull(resources.getJsonObject("limits"), "limits are never lowered unless equal to the CPU request");
        Pod saved = new PodBuilder(pod).editMetadata().addToAnnotations(StandbyResources.ORIGINAL_ANNOTATION, s.original()).endMetadata().build();
        assertEquals(new JsonObject().put("cpu", "500m").put("memory", "512Mi"), container(StandbyResources.restore(saved)).getJsonObject("requests"));
    }

    @Test
    void nothingToGiveBackMeansNoResize() {
        assertNull(StandbyResources.shrink(pod("5m", null, "16Mi", null), CPU, MEM));
        assertNull(StandbyResources.restore(pod("5m", null, null, null)));
    }

    static JsonObject container(String patch) {
        return new JsonObject(patch).getJsonObject("spec").getJsonArray("containers").getJsonObject(0).getJsonObject("resources");
    }

    static Pod pod(String cpuRequest, String cpuLimit, String memRequest, String memLimit) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewSpec().addNewContainer()
                .withName("app").withNewResources().endResources().endContainer().endSpec();
        Pod pod = b.build();
        var r = pod.getSpec().getContainers().get(0).getResources();
        r.setRequests(new java.util.HashMap<>());
        r.setLimits(new java.util.HashMap<>());
        if (cpuRequest != null) {
            r.getRequests().put("cpu", new Quantity(cpuRequest));
        }
        if (cpuLimit != null) {
            r.getLimits().put("cpu", new Quantity(cpuLimit));
        }
        if (memRequest != null) {
            r.getRequests().put("memory", new Quantity(memRequest));
        }
        if (memLimit != null) {
            r.getLimits().put("memory", new Quantity(memLimit));
        }
        return pod;
    }
}
