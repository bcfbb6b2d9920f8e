#!/usr/bin/env bash
# Copies the CRDs generated from the Java model (mvn process-classes) into the Helm chart.
# CrdSyncTest fails when the chart's copy drifts from the generated one.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q process-classes
for f in target/classes/META-INF/fabric8/*.autoscaling.kapacitystack.io-v1.yml; do
  name=$(basename "$f" -v1.yml)
  cp "$f" "helm/kapacity-manager/crds/$name.yaml"
done
echo "CRDs copied to helm/kapacity-manager/crds/"
