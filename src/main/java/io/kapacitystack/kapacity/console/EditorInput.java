package io.kapacitystack.kapacity.console;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kapacitystack.kapacity.api.v1alpha1.Constants;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscalerSpec;
import io.kapacitystack.kapacity.api.v1alpha1.PortraitProvider;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaCron;
import io.kapacitystack.kapacity.autoscaler.IhpaPlanner;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.portrait.cron.CronSchedule;
import io.kapacitystack.kapacity.portrait.cron.TimeZones;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * Reading the editor's input: the posted form or YAML into an {@link Editor} state, that state into an IHPA (with
 * every problem recorded next to its field or in a list), the checks the form makes applied to any object, and the
 * YAML shown for an object. Pure apart from the client's JSON/YAML conversion.
 */
final class EditorInput {

    private final KubernetesSerialization serialization;

    EditorInput(KubernetesSerialization serialization) {
        this.serialization = serialization;
    }

    /** What the editor shows: the form or the YAML of one object, with errors. */
    static final class Editor {
        boolean create = true;
        boolean yamlView;
        IhpaForm form = new IhpaForm();
        String yaml = "";
        String origNamespace = "";
        String origName = "";
        String resourceVersion = "";
        final List<String> problems = new ArrayList<>();
        String notice;
    }

    /** The editor as posted. */
    Editor posted(RoutingContext ctx) {
        Editor e = new Editor();
        e.create = !"update".equals(ctx.request().getFormAttribute("mode"));
        e.yamlView = "yaml".equals(ctx.request().getFormAttribute("view"));
        e.origNamespace = nz(ctx.request().getFormAttribute("origNamespace"));
        e.origName = nz(ctx.request().getFormAttribute("origName"));
        e.resourceVersion = nz(ctx.request().getFormAttribute("resourceVersion"));
        if (e.yamlView) {
            e.yaml = nz(ctx.request().getFormAttribute("yaml"));
        } else {
            e.form = IhpaForm.fromParams(n -> ctx.request().getFormAttribute(n));
        }
        if (!e.create) {
            // the name of an existing object cannot change
            e.form.set("namespace", e.origNamespace).set("name", e.origName);
        }
        return e;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /** The object the editor describes, or null with the problems recorded (in the form's errors or the list). */
    IntelligentHorizontalPodAutoscaler build(Editor e) {
        if (!e.yamlView) {
            return e.form.toIhpa();
        }
        GenericKubernetesResource raw;
        try {
            raw = serialization.unmarshal(e.yaml, GenericKubernetesResource.class);
        } catch (RuntimeException x) {
            e.problems.add("not valid YAML: " + KubeObjects.shortMessage(x));
            return null;
        }
        if (raw == null) {
            e.problems.add("the YAML is empty");
            return null;
        }
        if (raw.getApiVersion() != null && !raw.getApiVersion().equals(Constants.GROUP + "/" + Constants.VERSION)) {
            e.problems.add("apiVersion must be " + Constants.GROUP + "/" + Constants.VERSION);
        }
        if (raw.getKind() != null && !raw.getKind().equals("IntelligentHorizontalPodAutoscaler")) {
            e.problems.add("kind must be IntelligentHorizontalPodAutoscaler");
        }
        if (raw.getMetadata() == null) {
            raw.setMetadata(new ObjectMeta());
        }
        if (!e.create) {
            if (raw.getMetadata().getName() != null && !raw.getMetadata().getName().equals(e.origName)
                    || raw.getMetadata().getNamespace() != null && !raw.getMetadata().getNamespace().equals(e.origNamespace)) {
                e.problems.add("metadata.namespace and metadata.name of an existing object cannot change");
            }
            raw.getMetadata().setName(e.origName);
            raw.getMetadata().setNamespace(e.origNamespace);
        }
        raw.getAdditionalProperties().remove("status");
        IntelligentHorizontalPodAutoscaler ihpa;
        try {
            ihpa = KubeObjects.convert(serialization, raw, IntelligentHorizontalPodAutoscaler.class);
        } catch (KubeObjects.InvalidObjectException x) {
            e.problems.add(x.getMessage());
            return null;
        }
        validate(ihpa, e.problems);
        return e.problems.isEmpty() ? ihpa : null;
    }

    /** What the form checks, for an object of any shape (the YAML view). */
    static void validate(IntelligentHorizontalPodAutoscaler ihpa, List<String> problems) {
        String ns = ihpa.getMetadata().getNamespace();
        String name = ihpa.getMetadata().getName();
        if (ns == null || ns.length() > 63 || !IhpaForm.DNS_LABEL.matcher(ns).matches()) {
            problems.add("metadata.namespace: required, a DNS label");
        }
        if (name == null || name.length() > 253 || !IhpaForm.DNS_SUBDOMAIN.matcher(name).matches()) {
            problems.add("metadata.name: required, a DNS subdomain (lowercase letters, digits, '-' and '.')");
        }
        IntelligentHorizontalPodAutoscalerSpec spec = ihpa.getSpec();
        if (spec == null) {
            problems.add("spec is required");
            return;
        }
        problems.addAll(IhpaPlanner.validate(spec).stream().map(p -> "spec: " + p).toList());
        List<PortraitProvider> providers = spec.portraitProviders == null ? List.of() : spec.portraitProviders;
        for (int i = 0; i < providers.size(); i++) {
            PortraitProvider p = providers.get(i);
            if (p == null || p.cron == null || p.cron.crons == null) {
                continue;
            }
            for (int j = 0; j < p.cron.crons.size(); j++) {
                ReplicaCron r = p.cron.crons.get(j);
                String at = "spec.portraitProviders[" + i + "].cron.crons[" + j + "]";
                ZoneId zone = ZoneOffset.UTC;
                try {
                    zone = TimeZones.load(r.timeZone);
                } catch (IllegalArgumentException x) {
                    problems.add(at + ".timeZone: " + x.getMessage());
                }
                for (String[] which : new String[][]{{"start", r.start}, {"end", r.end}}) {
                    try {
                        CronSchedule.parse(which[1] == null ? "" : which[1], zone);
                    } catch (RuntimeException x) {
                        problems.add(at + "." + which[0] + ": not a valid cron expression: " + x.getMessage());
                    }
                }
            }
        }
    }

    /** The YAML shown for an object: no status, no server-managed metadata. */
    @SuppressWarnings("unchecked")
    String yamlOf(Object object) {
        Map<String, Object> map = serialization.convertValue(object, Map.class);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("apiVersion", Constants.GROUP + "/" + Constants.VERSION);
        out.put("kind", "IntelligentHorizontalPodAutoscaler");
        Map<String, Object> meta = map.get("metadata") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        Map<String, Object> keep = new LinkedHashMap<>();
        for (String k : List.of("name", "namespace", "labels", "annotations")) {
            Object v = meta.get(k);
            if (v instanceof Map<?, ?> vm) {
                Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) vm);
                copy.remove("kubectl.kubernetes.io/last-applied-configuration");
                v = copy.isEmpty() ? null : copy;
            }
            if (v != null) {
                keep.put(k, v);
            }
        }
        out.put("metadata", keep);
        out.put("spec", map.get("spec"));
        String yaml = serialization.asYaml(out);
        return yaml.startsWith("---\n") ? yaml.substring(4) : yaml;
    }
}
