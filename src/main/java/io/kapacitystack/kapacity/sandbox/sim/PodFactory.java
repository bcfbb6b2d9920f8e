package io.kapacitystack.kapacity.sandbox.sim;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/** Pods (and hashes) made from a workload's pod template, as the built-in controllers make them. */
final class PodFactory {

    private static final String SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

    private PodFactory() {
    }

    /** @param name fixed name, or null to use {@code generateName} */
    static Pod fromTemplate(PodTemplateSpec template, String namespace, String name, String generateName,
                            HasMetadata owner, Map<String, String> extraLabels) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
            labels.putAll(template.getMetadata().getLabels());
        }
        labels.putAll(extraLabels);
        Map<String, String> annotations = template.getMetadata() == null ? null : template.getMetadata().getAnnotations();
        Pod pod = new Pod();
        pod.setApiVersion("v1");
        pod.setKind("Pod");
        pod.setMetadata(new ObjectMetaBuilder().withName(name).withGenerateName(name == null ? generateName : null)
                .withNamespace(namespace).withLabels(labels)
                .withAnnotations(annotations == null ? null : new LinkedHashMap<>(annotations))
                .withOwnerReferences(controllerRef(owner)).build());
        pod.setSpec(Serialization.clone(template.getSpec() == null ? new PodSpec() : template.getSpec()));
        return pod;
    }

    static OwnerReference controllerRef(HasMetadata owner) {
        return new OwnerReferenceBuilder().withApiVersion(owner.getApiVersion()).withKind(owner.getKind())
                .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid())
                .withController(true).withBlockOwnerDeletion(true).build();
    }

    /** A stable 10-character hash of a pod template, like the pod-template-hash / controller-revision-hash. */
    static String templateHash(PodTemplateSpec template) {
        CRC32 crc = new CRC32();
        crc.update(Serialization.asJson(template).getBytes(StandardCharsets.UTF_8));
        long value = crc.getValue();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            sb.append(SAFE_ALPHABET.charAt((int) (value % SAFE_ALPHABET.length())));
            value = value / SAFE_ALPHABET.length() + (i * 7919L);
        }
        return sb.toString();
    }
}
