package io.kapacitystack.kapacity.app;

import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.kapacitystack.kapacity.api.v1alpha1.Constants;
import io.kapacitystack.kapacity.api.v1alpha1.CrossVersionObjectReference;
import io.kapacitystack.kapacity.api.v1alpha1.HorizontalPortrait;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfile;
import io.kapacitystack.kapacity.api.v1alpha1.ReplicaProfileStatus;
import io.kapacitystack.kapacity.cli.AutoscaleSpec;
import io.kapacitystack.kapacity.cli.CliException;
import io.kapacitystack.kapacity.cli.CommonFlags;
import io.kapacitystack.kapacity.cli.HpaConversion;
import io.kapacitystack.kapacity.cli.IhpaDescription;
import io.kapacitystack.kapacity.cli.IhpaTable;
import io.kapacitystack.kapacity.cli.PodRequests;
import io.kapacitystack.kapacity.cli.ResourceTypes;
import io.kapacitystack.kapacity.gocompat.Flags;
import io.kapacitystack.kapacity.gocompat.GoDuration;
import io.kapacitystack.kapacity.portrait.DynamicPortraitProviderEvaluator;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code kapacity autoscale | migrate | describe | get} (docs/cli.md), also run as the kubectl plugin
 * {@code kubectl kapacity ...} (scripts/kubectl-kapacity). The decisions and the rendering are in the {@code cli}
 * package; this class reads and writes the cluster. A refusal prints {@code error: ...} and exits 1.
 */
public final class KapacityCli {

    public static final Set<String> COMMANDS = Set.of("autoscale", "migrate", "describe", "get");
    private static final String IHPA_RESOURCE = "intelligenthorizontalpodautoscaler.autoscaling.kapacitystack.io";
    private static final Set<String> IHPA_TYPES = Set.of("ihpa", "ihpas", "intelligenthorizontalpodautoscaler",
            "intelligenthorizontalpodautoscalers", "intelligenthorizontalpodautoscalers.autoscaling.kapacitystack.io",
            IHPA_RESOURCE);
    /** Bounds what one {@code migrate --all} or {@code get} reads. */
    private static final int MAX_OBJECTS = 5_000;

    private final PrintStream out;
    private final PrintStream err;

    private KapacityCli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static int run(String command, String[] args) {
        return run(command, args, System.out, System.err);
    }

    public static int run(String command, String[] args, PrintStream out, PrintStream err) {
        // a command prints its answer, not the client libraries' warnings (set before the first logger exists)
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty(
                "org.slf4j.simpleLogger.defaultLogLevel", "error"));
        KapacityCli cli = new KapacityCli(out, err);
        try {
            return switch (command) {
                case "autoscale" -> cli.autoscale(args);
                case "migrate" -> cli.migrate(args);
                case "describe" -> cli.describe(args);
                case "get" -> cli.get(args);
                default -> throw new CliException("unknown command " + command);
            };
        } catch (CliException e) {
            err.println("error: " + e.getMessage());
            return 1;
        } catch (KubernetesClientException e) {
            err.println(serverError(e));
            return 1;
        }
    }

    // ---- autoscale

    private int autoscale(String[] args) {
        if (help(args, "autoscale TYPE/NAME --max N [--min N] [--cpu-percent P | --cpu-value Q] [--memory-percent P"
                + " | --memory-value Q] [--cron 'START END REPLICAS']... [--predictive --traffic-metric M]"
                + " [--name NAME] [-n NS] [--dry-run=client] [-o yaml|json]", AutoscaleSpec.flags())) {
            return 0;
        }
        AutoscaleSpec spec = AutoscaleSpec.parse(args);
        String[] typeName = ResourceTypes.split(spec.target());
        try (CliCluster c = CliCluster.connect(CommonFlags.parse(AutoscaleSpec.flags(), args))) {
            String ns = spec.namespace() == null ? c.namespace : spec.namespace();
            ResourceTypes.Discovered type = c.resolve(typeName[0]);
            GenericKubernetesResource target = c.client.genericKubernetesResources(CliCluster.context(type)).inNamespace(ns)
                    .withName(typeName[1]).get();
            if (target == null) {
                throw new KubernetesClientException(notFound(type.qualifiedName(), typeName[1]), 404, null);
            }
            if (!type.scalable()) {
                throw new CliException("cannot autoscale a " + type.resource().getKind() + ": "
                        + type.qualifiedName() + " has no /scale subresource");
            }
            CrossVersionObjectReference ref = new CrossVersionObjectReference(type.groupVersion(),
                    type.resource().getKind(), typeName[1]);
            String selector = ResourceTypes.isBuiltinWorkload(type) ? null : customResourceSelector(c, type, ns, ref);
            for (String resource : spec.percentResources()) {
                PodSpec pods = podSpec(c, target, selector, ns);
                List<String> missing = PodRequests.containersWithout(pods, resource);
                if (pods != null && !missing.isEmpty()) {
                    throw new CliException(ref.kind + "/" + ref.name + ": container(s) " + String.join(", ", missing)
                            + " set no " + resource + " request; --" + resource + "-percent is a percentage of the"
                            + " request, so the autoscaler would have no " + resource + " metric (set resources.requests."
                            + resource + " on the pod template, or use --" + resource + "-value)");
                }
            }
            refuseIfAutoscaled(c, ns, ref, null);
            IntelligentHorizontalPodAutoscaler ihpa = spec.toIhpa(ref);
            ihpa.getMetadata().setNamespace(ns);
            return write(c, ihpa, spec.dryRun(), spec.output(), "autoscaled");
        }
    }

    /** The pod template of a built-in workload, or a running pod's spec (by the /scale selector) for others. */
    private static PodSpec podSpec(CliCluster c, GenericKubernetesResource target, String selector, String ns) {
        Object template = target.getAdditionalProperties().get("spec") instanceof Map<?, ?> s ? s.get("template") : null;
        if (template != null) {
            PodTemplateSpec t = c.client.getKubernetesSerialization().convertValue(template, PodTemplateSpec.class);
            return t.getSpec();
        }
        if (selector == null) {
            return null;
        }
        var pods = c.client.pods().inNamespace(ns).withLabelSelector(selector).list().getItems();
        return pods.isEmpty() ? null : pods.get(0).getSpec();
    }

    /**
     * The pod selector a custom resource's /scale reports. Without one the ReplicaProfile controller cannot count or
     * move the target's pods and never scales it (the HPA controller likewise stops at "selector is required"), so
     * the IHPA is refused here rather than left idle with a condition nobody reads.
     */
    private static String customResourceSelector(CliCluster c, ResourceTypes.Discovered type, String ns,
            CrossVersionObjectReference ref) {
        var scale = c.client.genericKubernetesResources(CliCluster.context(type)).inNamespace(ns).withName(ref.name).scale();
        String selector = scale == null || scale.getStatus() == null ? null : scale.getStatus().getSelector();
        if (selector == null || selector.isBlank()) {
            throw new CliException("cannot autoscale " + ref.kind + "/" + ref.name + ": its /scale subresource reports"
                    + " no pod selector, so the autoscaler could not find its pods (the CustomResourceDefinition "
                    + type.qualifiedName() + " must declare subresources.scale.labelSelectorPath, and the resource's"
                    + " controller fill that field)");
        }
        return selector;
    }

    /** Two autoscalers on one workload would fight: refuse if an HPA or IHPA (other than {@code except}) has it. */
    private static void refuseIfAutoscaled(CliCluster c, String ns, CrossVersionObjectReference ref, String exceptHpa) {
        for (HorizontalPodAutoscaler hpa : c.client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns)
                .list().getItems()) {
            var r = hpa.getSpec() == null ? null : hpa.getSpec().getScaleTargetRef();
            if (r != null && sameTarget(ref, r.getApiVersion(), r.getKind(), r.getName())
                    && !hpa.getMetadata().getName().equals(exceptHpa)) {
                throw new CliException(ref.kind + "/" + ref.name + " is already autoscaled by"
                        + " horizontalpodautoscaler.autoscaling/" + hpa.getMetadata().getName() + "; two autoscalers"
                        + " would fight over it (move it over with: kapacity migrate hpa/" + hpa.getMetadata().getName()
                        + " -n " + ns + " --delete-hpa)");
            }
        }
        for (IntelligentHorizontalPodAutoscaler other : c.client.resources(IntelligentHorizontalPodAutoscaler.class)
                .inNamespace(ns).list().getItems()) {
            var r = other.getSpec() == null ? null : other.getSpec().scaleTargetRef;
            if (r != null && sameTarget(ref, r.apiVersion, r.kind, r.name)) {
                throw new CliException(ref.kind + "/" + ref.name + " is already autoscaled by " + IHPA_RESOURCE + "/"
                        + other.getMetadata().getName() + "; two autoscalers would fight over it");
            }
        }
    }

    private static boolean sameTarget(CrossVersionObjectReference ref, String apiVersion, String kind, String name) {
        String group = apiVersion == null || !apiVersion.contains("/") ? "" : apiVersion.substring(0, apiVersion.indexOf('/'));
        return ref.kind.equals(kind) && ref.name.equals(name) && ref.group().equals(group);
    }

    /** Creates the IHPA (or only prints it with --dry-run=client) and says so as kubectl does. */
    private int write(CliCluster c, IntelligentHorizontalPodAutoscaler ihpa, String dryRun, String output, String verb) {
        ihpa.setApiVersion(Constants.API_VERSION);
        ihpa.setKind("IntelligentHorizontalPodAutoscaler");
        boolean dry = "client".equals(dryRun);
        IntelligentHorizontalPodAutoscaler shown = dry ? ihpa
                : c.client.resources(IntelligentHorizontalPodAutoscaler.class).inNamespace(ihpa.getMetadata().getNamespace())
                .resource(ihpa).create();
        if (output != null) {
            print(c, shown, output);
        } else {
            out.println(IHPA_RESOURCE + "/" + shown.getMetadata().getName() + " " + verb + (dry ? " (dry run)" : ""));
        }
        return 0;
    }

    private void print(CliCluster c, Object object, String output) {
        var serialization = c.client.getKubernetesSerialization();
        if ("json".equals(output)) {
            out.println(serialization.asJson(object));
        } else {
            // as kubectl prints YAML: no document marker, strings quoted only where YAML needs it
            var yaml = tools.jackson.dataformat.yaml.YAMLMapper.builder()
                    .enable(tools.jackson.dataformat.yaml.YAMLWriteFeature.MINIMIZE_QUOTES)
                    .disable(tools.jackson.dataformat.yaml.YAMLWriteFeature.WRITE_DOC_START_MARKER).build();
            out.print(yaml.writeValueAsString(yaml.readTree(serialization.asJson(object))));
        }
    }

    // ---- migrate

    private int migrate(String[] args) {
        Flags flags = CommonFlags.define(new Flags())
                .defineBool("all", false, "migrate every HorizontalPodAutoscaler of the namespace")
                .defineBool("delete-hpa", false, "delete the HPA once the IHPA's ReplicaProfile is applied")
                .define("tolerance", HpaConversion.DEFAULT_TOLERANCE,
                        "the cluster's --horizontal-pod-autoscaler-tolerance (not stored in the HPA)")
                .define("timeout", "5m", "how long --delete-hpa waits for the ReplicaProfile to be applied");
        if (help(args, "migrate hpa/NAME | --all [-n NS] [--delete-hpa] [--tolerance 0.1] [--dry-run=client]"
                + " [-o yaml|json]", flags)) {
            return 0;
        }
        Flags f = CommonFlags.parse(flags, args);
        boolean all = f.getBool("all");
        String tolerance = validTolerance(f.get("tolerance"));
        Duration timeout;
        try {
            timeout = GoDuration.parse(f.get("timeout"));
        } catch (IllegalArgumentException e) {
            throw new CliException("invalid --timeout: " + e.getMessage());
        }
        if (all == !f.positional().isEmpty() || f.positional().size() > 1) {
            throw new CliException("give either one hpa/NAME or --all");
        }
        String dryRun = CommonFlags.dryRun(f);
        String output = CommonFlags.output(f);
        boolean deleteHpa = f.getBool("delete-hpa");
        if (deleteHpa && "client".equals(dryRun)) {
            throw new CliException("--delete-hpa cannot be used with --dry-run=client");
        }
        try (CliCluster c = CliCluster.connect(f)) {
            String ns = CommonFlags.namespace(f) == null ? c.namespace : CommonFlags.namespace(f);
            List<String> names = hpaNames(c, ns, all ? null : f.positional().get(0));
            if (names.isEmpty()) {
                out.println("No HorizontalPodAutoscalers found in " + ns + " namespace.");
                return 0;
            }
            List<String> failed = new ArrayList<>();
            int migrated = 0;
            for (String name : names) {
                try {
                    migrateOne(c, ns, name, tolerance, dryRun, output, deleteHpa, timeout);
                    migrated++;
                } catch (CliException e) {
                    if (!all) {
                        throw e;
                    }
                    err.println("error: " + name + ": " + e.getMessage());
                    failed.add(name);
                } catch (KubernetesClientException e) {
                    if (!all) {
                        throw e;
                    }
                    err.println("error: " + name + ": " + serverError(e));
                    failed.add(name);
                }
            }
            if (all) {
                out.println("migrated " + migrated + " of " + names.size() + " HorizontalPodAutoscalers in namespace "
                        + ns + (deleteHpa ? " (HPAs deleted once their IHPA's ReplicaProfile was applied)" : "")
                        + ("client".equals(dryRun) ? " (dry run)" : "")
                        + (failed.isEmpty() ? "" : "; failed: " + String.join(", ", failed)));
            }
            return failed.isEmpty() ? 0 : 1;
        }
    }

    private static String validTolerance(String tolerance) {
        try {
            double t = Double.parseDouble(tolerance);
            if (!(t >= 0 && t < 1)) {
                throw new NumberFormatException();
            }
            return tolerance;
        } catch (NumberFormatException e) {
            throw new CliException("invalid --tolerance " + tolerance + ": must be a number in [0, 1)");
        }
    }

    /** The HPAs to migrate: the one {@code hpa/NAME} given, or (argument null) every HPA of the namespace. */
    private static List<String> hpaNames(CliCluster c, String ns, String argument) {
        List<String> names = new ArrayList<>();
        if (argument == null) {
            var list = c.client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns).list().getItems();
            if (list.size() > MAX_OBJECTS) {
                throw new CliException(list.size() + " HorizontalPodAutoscalers in " + ns + ": at most " + MAX_OBJECTS);
            }
            list.forEach(h -> names.add(h.getMetadata().getName()));
            return names;
        }
        String[] typeName = ResourceTypes.split(argument);
        if (!Set.of("hpa", "horizontalpodautoscaler", "horizontalpodautoscalers",
                "horizontalpodautoscalers.autoscaling", "horizontalpodautoscaler.autoscaling").contains(typeName[0])) {
            throw new CliException("migrate takes hpa/NAME, got " + AutoscaleSpec.quote(argument));
        }
        names.add(typeName[1]);
        return names;
    }

    private void migrateOne(CliCluster c, String ns, String name, String tolerance, String dryRun, String output,
                            boolean deleteHpa, Duration timeout) {
        HorizontalPodAutoscaler hpa = c.client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns)
                .withName(name).get();
        if (hpa == null) {
            var v1 = c.client.autoscaling().v1().horizontalPodAutoscalers().inNamespace(ns).withName(name).get();
            if (v1 == null) {
                throw new KubernetesClientException(notFound("horizontalpodautoscalers.autoscaling", name), 404, null);
            }
            hpa = HpaConversion.fromV1(v1);
        }
        IntelligentHorizontalPodAutoscaler ihpa = HpaConversion.toIhpa(hpa, tolerance);
        ihpa.getMetadata().setNamespace(ns);
        refuseIfAutoscaled(c, ns, ihpa.getSpec().scaleTargetRef, name);
        write(c, ihpa, dryRun, output, "created from horizontalpodautoscaler.autoscaling/" + name);
        if (!deleteHpa) {
            return;
        }
        // Hand over (docs/cli.md, "How --delete-hpa hands over"): the controller lets an IHPA yield to an HPA on the
        // same target (AmbiguousScaleTarget), so the HPA alone scales until it is deleted; it is deleted only once
        // the IHPA is armed (its Reactive portrait generated from the metrics), and the IHPA's ReplicaProfile is
        // applied on the controller's next look. If the portrait never comes, the IHPA is removed and the HPA stays.
        String ihpaName = ihpa.getMetadata().getName();
        String portrait = DynamicPortraitProviderEvaluator.portraitName(ihpa, "Reactive");
        try {
            c.client.resources(HorizontalPortrait.class).inNamespace(ns).withName(portrait)
                    .waitUntilCondition(KapacityCli::generated, timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientException | IllegalStateException e) {
            c.client.resources(IntelligentHorizontalPodAutoscaler.class).inNamespace(ns).withName(ihpaName).delete();
            throw new CliException("the Reactive portrait of " + IHPA_RESOURCE + "/" + ihpaName + " was not generated"
                    + " within " + GoDuration.format(timeout) + "; the IHPA was deleted again and"
                    + " horizontalpodautoscaler.autoscaling/" + name + " keeps scaling (kubectl describe hp " + portrait
                    + " -n " + ns + " says why)");
        }
        c.client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns).withName(name).delete();
        out.println("horizontalpodautoscaler.autoscaling/" + name + " deleted");
        try {
            c.client.resources(ReplicaProfile.class).inNamespace(ns).withName(ihpaName)
                    .waitUntilCondition(KapacityCli::applied, timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientException | IllegalStateException e) {
            throw new CliException("the HPA is deleted but the ReplicaProfile of " + IHPA_RESOURCE + "/" + ihpaName
                    + " was not applied within " + GoDuration.format(timeout) + " (kapacity describe ihpa " + ihpaName
                    + " -n " + ns + " says why)");
        }
        out.println("replicaprofile.autoscaling.kapacitystack.io/" + ihpaName + " applied");
    }

    /** The portrait has data: the IHPA would scale from it as soon as no HPA holds the target. */
    static boolean generated(HorizontalPortrait hp) {
        return hp != null && hp.getStatus() != null && hp.getStatus().portraitData != null;
    }

    static boolean applied(ReplicaProfile rp) {
        return rp != null && rp.getStatus() != null && rp.getStatus().conditions != null
                && rp.getStatus().conditions.stream().anyMatch(cond ->
                ReplicaProfileStatus.APPLIED.equals(cond.getType()) && "True".equals(cond.getStatus()));
    }

    // ---- describe and get

    private int describe(String[] args) {
        Flags flags = CommonFlags.define(new Flags());
        if (help(args, "describe ihpa [NAME] [-n NS]", flags)) {
            return 0;
        }
        Flags f = CommonFlags.parse(flags, args);
        List<String> names = ihpaNames(f.positional(), "describe");
        try (CliCluster c = CliCluster.connect(f)) {
            String ns = CommonFlags.namespace(f) == null ? c.namespace : CommonFlags.namespace(f);
            var ihpas = c.client.resources(IntelligentHorizontalPodAutoscaler.class).inNamespace(ns);
            List<IntelligentHorizontalPodAutoscaler> list = new ArrayList<>();
            if (names.isEmpty()) {
                list.addAll(ihpas.list().getItems());
                if (list.isEmpty()) {
                    out.println("No resources found in " + ns + " namespace.");
                    return 0;
                }
            }
            for (String name : names) {
                IntelligentHorizontalPodAutoscaler ihpa = ihpas.withName(name).get();
                if (ihpa == null) {
                    throw new KubernetesClientException(notFound(IHPA_RESOURCE.replace("autoscaler.", "autoscalers."), name), 404, null);
                }
                list.add(ihpa);
            }
            List<HorizontalPortrait> portraits = c.client.resources(HorizontalPortrait.class).inNamespace(ns).list().getItems();
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.println();
                    out.println();
                }
                out.print(IhpaDescription.render(describeInput(c, ns, list.get(i), portraits)));
            }
            return 0;
        }
    }

    private static IhpaDescription.Input describeInput(CliCluster c, String ns, IntelligentHorizontalPodAutoscaler ihpa,
                                                       List<HorizontalPortrait> portraits) {
        Map<String, HorizontalPortrait> owned = ownedPortraits(ihpa, portraits);
        ReplicaProfile rp = c.client.resources(ReplicaProfile.class).inNamespace(ns).withName(ihpa.getMetadata().getName()).get();
        Integer current = null;
        try {
            var ref = ihpa.getSpec().scaleTargetRef;
            ResourceTypes.Discovered type = c.resolveKind(ref);
            if (type != null) {
                var scale = c.client.genericKubernetesResources(CliCluster.context(type)).inNamespace(ns).withName(ref.name).scale();
                current = scale == null || scale.getStatus() == null ? null : scale.getStatus().getReplicas();
            }
        } catch (KubernetesClientException e) {
            current = null;   // shown as <unknown>
        }
        List<Event> events = c.client.v1().events().inNamespace(ns)
                .withField("involvedObject.name", ihpa.getMetadata().getName()).list().getItems().stream()
                .filter(e -> e.getInvolvedObject() != null
                        && "IntelligentHorizontalPodAutoscaler".equals(e.getInvolvedObject().getKind())
                        && (e.getInvolvedObject().getUid() == null
                        || e.getInvolvedObject().getUid().equals(ihpa.getMetadata().getUid())))
                .toList();
        return new IhpaDescription.Input(ihpa, owned, rp, current, events, Instant.now());
    }

    private static Map<String, HorizontalPortrait> ownedPortraits(IntelligentHorizontalPodAutoscaler ihpa,
                                                                  List<HorizontalPortrait> portraits) {
        Map<String, HorizontalPortrait> owned = new HashMap<>();
        for (HorizontalPortrait hp : portraits) {
            boolean mine = hp.getMetadata().getOwnerReferences() != null && hp.getMetadata().getOwnerReferences().stream()
                    .anyMatch(o -> Objects.equals(o.getUid(), ihpa.getMetadata().getUid()));
            if (mine && hp.getSpec() != null && hp.getSpec().portraitType != null) {
                owned.put(hp.getSpec().portraitType, hp);
            }
        }
        return owned;
    }

    private int get(String[] args) {
        Flags flags = CommonFlags.define(new Flags()).defineBool("A", false, "list the IHPAs of every namespace")
                .defineBool("all-namespaces", false, "same as -A");
        if (help(args, "get ihpa [NAME] [-n NS | -A] [-o yaml|json]", flags)) {
            return 0;
        }
        Flags f = CommonFlags.parse(flags, args);
        List<String> names = ihpaNames(f.positional(), "get");
        boolean allNamespaces = f.getBool("A") || f.getBool("all-namespaces");
        String output = CommonFlags.output(f);
        try (CliCluster c = CliCluster.connect(f)) {
            String ns = CommonFlags.namespace(f) == null ? c.namespace : CommonFlags.namespace(f);
            List<IntelligentHorizontalPodAutoscaler> list = new ArrayList<>();
            if (names.isEmpty()) {
                list.addAll(allNamespaces ? c.client.resources(IntelligentHorizontalPodAutoscaler.class).inAnyNamespace()
                        .list().getItems() : c.client.resources(IntelligentHorizontalPodAutoscaler.class).inNamespace(ns)
                        .list().getItems());
            } else {
                for (String name : names) {
                    var ihpa = c.client.resources(IntelligentHorizontalPodAutoscaler.class).inNamespace(ns).withName(name).get();
                    if (ihpa == null) {
                        throw new KubernetesClientException(notFound(IHPA_RESOURCE.replace("autoscaler.", "autoscalers."), name), 404, null);
                    }
                    list.add(ihpa);
                }
            }
            if (list.size() > MAX_OBJECTS) {
                list = list.subList(0, MAX_OBJECTS);
            }
            if (output != null) {
                if (list.size() == 1 && !names.isEmpty()) {
                    print(c, list.get(0), output);
                } else {
                    var holder = new KubernetesList();
                    holder.setItems(new ArrayList<HasMetadata>(list));
                    print(c, holder, output);
                }
                return 0;
            }
            if (list.isEmpty()) {
                err.println(allNamespaces ? "No resources found" : "No resources found in " + ns + " namespace.");
                return 0;
            }
            var hps = allNamespaces ? c.client.resources(HorizontalPortrait.class).inAnyNamespace().list().getItems()
                    : c.client.resources(HorizontalPortrait.class).inNamespace(ns).list().getItems();
            var rps = allNamespaces ? c.client.resources(ReplicaProfile.class).inAnyNamespace().list().getItems()
                    : c.client.resources(ReplicaProfile.class).inNamespace(ns).list().getItems();
            List<IhpaTable.Row> rows = new ArrayList<>();
            for (var ihpa : list) {
                ReplicaProfile rp = rps.stream().filter(r -> r.getMetadata().getName().equals(ihpa.getMetadata().getName())
                        && r.getMetadata().getNamespace().equals(ihpa.getMetadata().getNamespace())).findFirst().orElse(null);
                rows.add(new IhpaTable.Row(ihpa, ownedPortraits(ihpa, hps).get("Reactive"), rp));
            }
            out.print(IhpaTable.render(rows, allNamespaces, Instant.now()));
            return 0;
        }
    }

    /** {@code ihpa}, {@code ihpa NAME...} or {@code ihpa/NAME}: the names (empty: all). */
    private static List<String> ihpaNames(List<String> positional, String verb) {
        if (positional.isEmpty()) {
            throw new CliException("you must specify the type of resource to " + verb + ": ihpa");
        }
        List<String> names = new ArrayList<>();
        String first = positional.get(0);
        if (first.contains("/")) {
            for (String p : positional) {
                String[] tn = ResourceTypes.split(p);
                requireIhpaType(tn[0]);
                names.add(tn[1]);
            }
            return names;
        }
        requireIhpaType(first);
        for (String p : positional.subList(1, positional.size())) {
            if (!CommonFlags.isDnsSubdomain(p)) {
                throw new CliException("invalid name " + AutoscaleSpec.quote(p) + ": must be a DNS subdomain");
            }
            names.add(p);
        }
        return names;
    }

    private static void requireIhpaType(String type) {
        if (!IHPA_TYPES.contains(type.toLowerCase(Locale.ROOT))) {
            throw new CliException("this command shows IntelligentHorizontalPodAutoscalers (ihpa); for "
                    + AutoscaleSpec.quote(type) + " use kubectl");
        }
    }

    // ---- plumbing

    private boolean help(String[] args, String usage, Flags flags) {
        for (String a : args) {
            if (a.equals("-h") || a.equals("--help") || a.equals("-help")) {
                out.println("Usage: kapacity " + usage + "\n\nFlags:\n" + flags.usage());
                return true;
            }
        }
        return false;
    }

    private static String notFound(String resource, String name) {
        return resource + " \"" + name + "\" not found";
    }

    /** As kubectl prints an API error: {@code Error from server (NotFound): deployments.apps "web" not found}. */
    static String serverError(KubernetesClientException e) {
        var status = e.getStatus();
        String reason = status != null && status.getReason() != null && !status.getReason().isEmpty() ? status.getReason()
                : switch (e.getCode()) {
                    case 404 -> "NotFound";
                    case 409 -> "AlreadyExists";
                    case 403 -> "Forbidden";
                    case 401 -> "Unauthorized";
                    case 422 -> "Invalid";
                    default -> null;
                };
        String message = status != null && status.getMessage() != null && !status.getMessage().isEmpty()
                ? status.getMessage() : e.getMessage();
        if (reason == null) {
            return "error: " + message;
        }
        return "Error from server (" + reason + "): " + message;
    }
}
