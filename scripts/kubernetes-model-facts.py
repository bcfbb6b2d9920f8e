#!/usr/bin/env python3
"""Writes src/main/resources/META-INF/kapacity/kubernetes-model.json: for each Kubernetes API type the CRDs embed, its fields' types, which
fields are required and each field's description, as the Kubernetes OpenAPI states them.

Source: the official Kubernetes Python client's models (Debian `python3-kubernetes`, generated from the Kubernetes
OpenAPI): a setter that refuses None marks a required field; the getter's docstring carries the description.
autoscaling/v2 is read from its identical predecessor autoscaling/v2beta2 when the client predates v2.
CrdStrictness (mvn process-classes) applies the file to the generated CRDs. Run again after upgrading the client:
  apt-get install -y python3-kubernetes && /usr/bin/python3 scripts/kubernetes-model-facts.py
"""
import inspect
import json
import re
import sys
from pathlib import Path

from kubernetes.client import models

# the Kubernetes types the Java model embeds (fabric8 classes), by the client's class name; the rest are reached
# through their fields
ROOTS = ["V2beta2ObjectMetricSource", "V2beta2PodsMetricSource", "V2beta2ResourceMetricSource",
         "V2beta2ContainerResourceMetricSource", "V2beta2ExternalMetricSource",
         "V2beta2HorizontalPodAutoscalerBehavior", "V1CronJobSpec", "V1ObjectMeta", "V1Condition", "V1LabelSelector",
         "V1CronJob"]
LEAVES = {"str", "int", "bool", "float", "object", "datetime", "date"}

REQUIRED = re.compile(r"client_side_validation and (\w+) is None:")


def description(cls, field):
    prop = getattr(cls, field, None)
    doc = inspect.getdoc(prop.fget) if isinstance(prop, property) and prop.fget else ""
    lines = [l.replace("# noqa: E501", "").rstrip() for l in (doc or "").splitlines()]
    body = []
    for l in lines[1:]:
        if l.strip().startswith(":return:"):
            break
        body.append(l.strip())
    return " ".join(x for x in body if x).strip()


def element(t):
    m = re.fullmatch(r"list\[(.+)\]", t) or re.fullmatch(r"dict\(str, (.+)\)", t)
    return element(m.group(1)) if m else t


def main(out):
    facts = {}
    todo = list(ROOTS)
    while todo:
        name = todo.pop()
        if name in facts or name in LEAVES:
            continue
        cls = getattr(models, name)
        src = inspect.getsource(cls)
        fields = {}
        for field, t in cls.openapi_types.items():
            json_name = cls.attribute_map[field]
            fields[json_name] = {"type": t, "description": description(cls, field)}
            e = element(t)
            if e not in LEAVES:
                todo.append(e)
        required = sorted(cls.attribute_map[f] for f in REQUIRED.findall(src) if f in cls.attribute_map)
        facts[name] = {"required": required, "fields": fields}
    Path(out).write_text(json.dumps(dict(sorted(facts.items())), indent=1, sort_keys=True) + "\n")
    print(f"{len(facts)} types written to {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "src/main/resources/META-INF/kapacity/kubernetes-model.json")
