package io.kapacitystack.kapacity.sandbox.api;

import io.kapacitystack.kapacity.runtime.time.Clock;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Server-side printing: answers {@code Accept: ...;as=Table;g=meta.k8s.io} requests (what {@code kubectl get}
 * sends) with {@code meta.k8s.io/v1 Table}s whose columns match the real API server's for the common kinds, and
 * the CRD's {@code additionalPrinterColumns} for custom resources. Ages are measured on the injected clock.
 */
final class TablePrinter {

    private record Column(String name, String type, int priority, Function<JsonObject, Object> value) {
    }

    private final Clock clock;
    private final CustomResourceRegistry crds;

    TablePrinter(Clock clock, CustomResourceRegistry crds) {
        this.clock = clock;
        this.crds = crds;
    }

    static boolean wantsTable(String accept) {
        return accept != null && accept.contains("as=Table");
    }

    JsonObject toTable(ApiPath path, JsonObject listOrObject, boolean includeFullObject) {
        List<Column> columns = columnsFor(path);
        JsonArray definitions = new JsonArray();
        for (Column c : columns) {
            definitions.add(new JsonObject().put("name", c.name()).put("type", c.type())
                    .put("format", c.name().equals("Name") ? "name" : "").put("description", c.name())
                    .put("priority", c.priority()));
        }
        List<JsonObject> items = new ArrayList<>();
        if (listOrObject.containsKey("items")) {
            listOrObject.getJsonArray("items").forEach(o -> items.add((JsonObject) o));
        } else {
            items.add(listOrObject);
        }
        JsonArray rows = new JsonArray();
        for (JsonObject item : items) {
            JsonArray cells = new JsonArray();
            for (Column c : columns) {
                Object v = c.value().apply(item);
                cells.add(v == null ? "<none>" : v);
            }
            JsonObject rowObject = includeFullObject ? item : new JsonObject().put("kind", "PartialObjectMetadata")
                    .put("apiVersion", "meta.k8s.io/v1").put("metadata", item.getJsonObject("metadata"));
            rows.add(new JsonObject().put("cells", cells).put("object", rowObject));
        }
        JsonObject meta = new JsonObject();
        JsonObject listMeta = listOrObject.getJsonObject("metadata");
        if (listMeta != null && listMeta.getString("resourceVersion") != null) {
            meta.put("resourceVersion", listMeta.getString("resourceVersion"));
        }
        return new JsonObject().put("kind", "Table").put("apiVersion", "meta.k8s.io/v1").put("metadata", meta)
                .put("columnDefinitions", definitions).put("rows", rows);
    }

    private List<Column> columnsFor(ApiPath path) {
        Column name = new Column("Name", "string", 0, o -> meta(o).getString("name"));
        Column age = new Column("Age", "string", 0, o -> age(meta(o).getString("creationTimestamp")));
        var crd = crds.find(path.group(), path.version(), path.resource());
        if (crd.isPresent()) {
            return customResourceColumns(crd.get().printerColumns(), name, age);
        }
        return switch (path.resource()) {
            case "pods" -> List.of(name,
                    new Column("Ready", "string", 0, TablePrinter::podReady),
                    new Column("Status", "string", 0, TablePrinter::podStatus),
                    new Column("Restarts", "string", 0, o -> "0"), age,
                    new Column("IP", "string", 1, o -> status(o).getString("podIP")),
                    new Column("Node", "string", 1, o -> spec(o).getString("nodeName")),
                    new Column("Nominated Node", "string", 1, o -> null),
                    new Column("Readiness Gates", "string", 1, TablePrinter::podGates));
            case "statefulsets" -> List.of(name, new Column("Ready", "string", 0,
                    o -> status(o).getInteger("readyReplicas", 0) + "/" + spec(o).getInteger("replicas", 1)), age);
            case "deployments" -> List.of(name,
                    new Column("Ready", "string", 0,
                            o -> status(o).getInteger("readyReplicas", 0) + "/" + spec(o).getInteger("replicas", 1)),
                    new Column("Up-to-date", "integer", 0, o -> status(o).getInteger("updatedReplicas", 0)),
                    new Column("Available", "integer", 0, o -> status(o).getInteger("availableReplicas", 0)), age);
            case "replicasets" -> List.of(name,
                    new Column("Desired", "integer", 0, o -> spec(o).getInteger("replicas", 1)),
                    new Column("Current", "integer", 0, o -> status(o).getInteger("replicas", 0)),
                    new Column("Ready", "integer", 0, o -> status(o).getInteger("readyReplicas", 0)), age);
            case "services" -> List.of(name,
                    new Column("Type", "string", 0, o -> spec(o).getString("type", "ClusterIP")),
                    new Column("Cluster-IP", "string", 0, o -> spec(o).getString("clusterIP")),
                    new Column("External-IP", "string", 0, o -> null),
                    new Column("Port(s)", "string", 0, TablePrinter::servicePorts), age,
                    new Column("Selector", "string", 1, o -> Selectors.toSelectorString(
                            Selectors.stringMap(spec(o).getJsonObject("selector")))));
            case "endpoints" -> List.of(name, new Column("Endpoints", "string", 0, TablePrinter::endpoints), age);
            case "namespaces" -> List.of(name, new Column("Status", "string", 0, o -> status(o).getString("phase")), age);
            case "nodes" -> List.of(name, new Column("Status", "string", 0, o -> "Ready"),
                    new Column("Roles", "string", 0, o -> null), age,
                    new Column("Version", "string", 0, o -> status(o).getJsonObject("nodeInfo", new JsonObject())
                            .getString("kubeletVersion")));
            case "events" -> "".equals(path.group()) ? List.of(
                    new Column("Last Seen", "string", 0, o -> age(firstNonNull(o.getString("lastTimestamp"),
                            o.getString("eventTime"), meta(o).getString("creationTimestamp")))),
                    new Column("Type", "string", 0, o -> o.getString("type")),
                    new Column("Reason", "string", 0, o -> o.getString("reason")),
                    new Column("Object", "string", 0, o -> {
                        JsonObject ref = o.getJsonObject("involvedObject", new JsonObject());
                        return ref.getString("kind", "").toLowerCase() + "/" + ref.getString("name");
                    }),
                    new Column("Message", "string", 0, o -> o.getString("message"))) : List.of(name, age);
            case "ingresses" -> List.of(name,
                    new Column("Class", "string", 0, o -> spec(o).getString("ingressClassName")),
                    new Column("Hosts", "string", 0, TablePrinter::ingressHosts),
                    new Column("Address", "string", 0, o -> ""),
                    new Column("Ports", "string", 0, o -> "80"), age);
            case "cronjobs" -> cronJobColumns(name, age);
            case "jobs" -> List.of(name,
                    new Column("Status", "string", 0, TablePrinter::jobStatus),
                    new Column("Completions", "string", 0, o -> status(o).getInteger("succeeded", 0) + "/"
                            + spec(o).getInteger("completions", 1)),
                    new Column("Duration", "string", 0, this::jobDuration), age,
                    new Column("Containers", "string", 1, o -> containerField(
                            spec(o).getJsonObject("template", new JsonObject()).getJsonObject("spec", new JsonObject()), "name")),
                    new Column("Images", "string", 1, o -> containerField(
                            spec(o).getJsonObject("template", new JsonObject()).getJsonObject("spec", new JsonObject()), "image")),
                    new Column("Selector", "string", 1, o -> Selectors.toSelectorString(Selectors.stringMap(
                            spec(o).getJsonObject("selector", new JsonObject()).getJsonObject("matchLabels")))));
            default -> List.of(name, age);
        };
    }

    private List<Column> cronJobColumns(Column name, Column age) {
        return List.of(name,
                new Column("Schedule", "string", 0, o -> spec(o).getString("schedule")),
                new Column("Timezone", "string", 0, o -> spec(o).getString("timeZone")),
                new Column("Suspend", "boolean", 0, o -> spec(o).getBoolean("suspend", false) ? "True" : "False"),
                new Column("Active", "integer", 0, o -> status(o).getJsonArray("active", new JsonArray()).size()),
                new Column("Last Schedule", "string", 0, o -> {
                    String t = status(o).getString("lastScheduleTime");
                    return t == null ? null : age(t);
                }), age,
                new Column("Containers", "string", 1, o -> containerField(jobPodSpec(o), "name")),
                new Column("Images", "string", 1, o -> containerField(jobPodSpec(o), "image")),
                new Column("Selector", "string", 1, o -> null));
    }

    /** A custom resource's {@code additionalPrinterColumns} after the name, as kube-apiserver's table convertor. */
    private List<Column> customResourceColumns(JsonArray printerColumns, Column name, Column age) {
        List<Column> columns = new ArrayList<>(List.of(name));
        for (Object c : printerColumns) {
            JsonObject col = (JsonObject) c;
            String jsonPath = col.getString("jsonPath");
            boolean date = "date".equals(col.getString("type"));
            columns.add(new Column(col.getString("name"), date ? "string" : col.getString("type", "string"),
                    col.getInteger("priority", 0), o -> {
                        Object v = JsonPaths.get(o, jsonPath);
                        return date && v != null ? age(String.valueOf(v)) : v;
                    }));
        }
        if (printerColumns.isEmpty()) {
            columns.add(age);
        }
        return columns;
    }

    private static JsonObject jobPodSpec(JsonObject cronJob) {
        return spec(cronJob).getJsonObject("jobTemplate", new JsonObject()).getJsonObject("spec", new JsonObject())
                .getJsonObject("template", new JsonObject()).getJsonObject("spec", new JsonObject());
    }

    private static String containerField(JsonObject podSpec, String field) {
        List<String> out = new ArrayList<>();
        for (Object c : podSpec.getJsonArray("containers", new JsonArray())) {
            out.add(((JsonObject) c).getString(field, ""));
        }
        return String.join(",", out);
    }

    /** kubectl's job status column (pkg/printers/internalversion/printers.go upstream in Kubernetes). */
    private static String jobStatus(JsonObject job) {
        for (Object c : status(job).getJsonArray("conditions", new JsonArray())) {
            JsonObject condition = (JsonObject) c;
            if ("True".equals(condition.getString("status"))) {
                switch (condition.getString("type", "")) {
                    case "Complete": return "Complete";
                    case "Failed": return "Failed";
                    case "FailureTarget": return "FailureTarget";
                    case "SuccessCriteriaMet": return "SuccessCriteriaMet";
                    case "Suspended": return "Suspended";
                    default: break;
                }
            }
        }
        return "Running";
    }

    private String jobDuration(JsonObject job) {
        Instant start = Timestamps.parse(status(job).getString("startTime"));
        if (start == null) {
            return "";
        }
        Instant end = Timestamps.parse(status(job).getString("completionTime"));
        return humanDuration(Duration.between(start, end == null ? clock.now() : end));
    }

    private String age(String timestamp) {
        Instant t = timestamp == null ? null : Timestamps.parse(timestamp);
        return t == null ? "<unknown>" : humanDuration(Duration.between(t, clock.now()));
    }

    /** Kubernetes' duration.HumanDuration. */
    static String humanDuration(Duration d) {
        long s = Math.max(0, d.getSeconds());
        long m = s / 60;
        long h = s / 3600;
        if (s < 120) {
            return s + "s";
        } else if (m < 10) {
            return s % 60 == 0 ? m + "m" : m + "m" + (s % 60) + "s";
        } else if (m < 180) {
            return m + "m";
        } else if (h < 8) {
            return m % 60 == 0 ? h + "h" : h + "h" + (m % 60) + "m";
        } else if (h < 48) {
            return h + "h";
        } else if (h < 24 * 8) {
            return h % 24 == 0 ? (h / 24) + "d" : (h / 24) + "d" + (h % 24) + "h";
        } else if (h < 24 * 365 * 2) {
            return (h / 24) + "d";
        }
        return (h / 24 / 365) + "y";
    }

    private static String podReady(JsonObject pod) {
        JsonArray containers = spec(pod).getJsonArray("containers", new JsonArray());
        int ready = 0;
        for (Object cs : status(pod).getJsonArray("containerStatuses", new JsonArray())) {
            if (((JsonObject) cs).getBoolean("ready", false)) {
                ready++;
            }
        }
        return ready + "/" + containers.size();
    }

    private static String podStatus(JsonObject pod) {
        if (meta(pod).containsKey("deletionTimestamp")) {
            return "Terminating";
        }
        for (Object cs : status(pod).getJsonArray("containerStatuses", new JsonArray())) {
            JsonObject waiting = ((JsonObject) cs).getJsonObject("state", new JsonObject()).getJsonObject("waiting");
            if (waiting != null) {
                return waiting.getString("reason", "Waiting");
            }
        }
        return status(pod).getString("phase", "Pending");
    }

    private static String podGates(JsonObject pod) {
        JsonArray gates = spec(pod).getJsonArray("readinessGates");
        if (gates == null || gates.isEmpty()) {
            return null;
        }
        int passing = 0;
        for (Object g : gates) {
            String type = ((JsonObject) g).getString("conditionType");
            for (Object c : status(pod).getJsonArray("conditions", new JsonArray())) {
                JsonObject condition = (JsonObject) c;
                if (type.equals(condition.getString("type")) && "True".equals(condition.getString("status"))) {
                    passing++;
                }
            }
        }
        return passing + "/" + gates.size();
    }

    private static String servicePorts(JsonObject svc) {
        List<String> ports = new ArrayList<>();
        for (Object p : spec(svc).getJsonArray("ports", new JsonArray())) {
            JsonObject port = (JsonObject) p;
            ports.add(port.getValue("port") + "/" + port.getString("protocol", "TCP"));
        }
        return ports.isEmpty() ? null : String.join(",", ports);
    }

    private static String endpoints(JsonObject ep) {
        List<String> out = new ArrayList<>();
        for (Object s : ep.getJsonArray("subsets", new JsonArray())) {
            JsonObject subset = (JsonObject) s;
            for (Object a : subset.getJsonArray("addresses", new JsonArray())) {
                for (Object p : subset.getJsonArray("ports", new JsonArray(List.of(new JsonObject())))) {
                    Object port = ((JsonObject) p).getValue("port");
                    out.add(((JsonObject) a).getString("ip") + (port == null ? "" : ":" + port));
                }
            }
        }
        return out.isEmpty() ? "<none>" : String.join(",", out);
    }

    private static String ingressHosts(JsonObject ing) {
        List<String> hosts = new ArrayList<>();
        for (Object r : spec(ing).getJsonArray("rules", new JsonArray())) {
            hosts.add(((JsonObject) r).getString("host", "*"));
        }
        return hosts.isEmpty() ? "*" : String.join(",", hosts);
    }

    private static String firstNonNull(String... values) {
        for (String v : values) {
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    private static JsonObject meta(JsonObject o) {
        return o.getJsonObject("metadata", new JsonObject());
    }

    private static JsonObject spec(JsonObject o) {
        return o.getJsonObject("spec", new JsonObject());
    }

    private static JsonObject status(JsonObject o) {
        return o.getJsonObject("status", new JsonObject());
    }
}
