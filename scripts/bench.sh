#!/usr/bin/env bash
# Runs the benchmark harness (not part of `mvn verify`). Usage: scripts/bench.sh [planner|heap|mock|all]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
java -Xmx2g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Djava.util.logging.config.file=/dev/null \
  -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  io.kapacitystack.kapacity.bench.FoundationBench "${1:-all}"
