#!/usr/bin/env bash
# Runs the benchmark harness (not part of `mvn verify`; results go in docs/benchmarks.md).
# Usage: scripts/bench.sh [planner|heap|mock|latency|all] | sandbox [N|gray] | scale [N] [steady-minutes] [qps] | grpc [memory|prometheus]
#        | console [clients] [rounds] | reactive [namespaces] [hpsPerNamespace] [latencyMs]
#        | reactive-controller [namespaces] [hpsPerNamespace] [seconds] | predict [time|accuracy] | kafka
#        | kafka-controllers [ihpas] [boundaries] [pairs] [concurrency] [qps]
# BENCH_JAVA_OPTS adds JVM options (e.g. -XX:StartFlightRecording=filename=/tmp/b.jfr to profile).
# The compiled classes are copied first, so a build running meanwhile cannot change them under the benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile
work=$(mktemp -d)
cp -r target/classes target/test-classes "$work/"
mvn -B -q dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=test
cd "$work"
main=io.kapacitystack.kapacity.bench.FoundationBench
[ "${1:-all}" = sandbox ] && main=io.kapacitystack.kapacity.bench.SandboxBench
[ "${1:-all}" = scale ] && main=io.kapacitystack.kapacity.bench.ScaleBench
[ "${1:-all}" = grpc ] && main=io.kapacitystack.kapacity.bench.GrpcBench
[ "${1:-all}" = console ] && main=io.kapacitystack.kapacity.bench.ConsoleSseBench
[ "${1:-all}" = reactive ] && main=io.kapacitystack.kapacity.bench.ReactiveBench
[ "${1:-all}" = reactive-controller ] && main=io.kapacitystack.kapacity.bench.ReactiveControllerBench
[ "${1:-all}" = predict ] && main=io.kapacitystack.kapacity.predictive.PredictBench
[ "${1:-all}" = kafka ] && main=io.kapacitystack.kapacity.stream.KafkaBench
[ "${1:-all}" = kafka-controllers ] && main=io.kapacitystack.kapacity.bench.KafkaControllerBench
java -Xmx2g ${BENCH_JAVA_OPTS:-} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dorg.slf4j.simpleLogger.log.io.fabric8=error \
  -cp "test-classes:classes:$(cat cp.txt)" \
  "$main" "$@" 2>&1 | grep --line-buffered -v -E "MockWebServer|^INFO:"
