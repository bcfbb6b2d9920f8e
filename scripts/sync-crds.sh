#!/usr/bin/env bash
# Writes the CRDs generated from the Java model (mvn process-classes), made as strict as the Kubernetes types they
# embed (api/crd/CrdStrictness), into the Helm chart. CrdSyncTest fails when the chart's copy drifts.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q process-classes
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
mvn -B -q dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$cp_file"
java -cp "target/classes:$(cat "$cp_file")" io.kapacitystack.kapacity.api.crd.CrdStrictness \
  target/classes/META-INF/fabric8 helm/kapacity-manager/crds
echo "CRDs written to helm/kapacity-manager/crds/"
