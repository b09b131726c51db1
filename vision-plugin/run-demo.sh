#!/usr/bin/env bash
# Runs a vision-plugin program from the test class path (the TensorFlow engine is a test dependency).
#   vision-plugin/run-demo.sh [--quick] [--doc docs/transfer-demo.md]      the transfer demo
#   MAIN=dev.graft.vision.bench.VisionBenchmark vision-plugin/run-demo.sh    the throughput benchmark
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MAIN="${MAIN:-dev.graft.vision.demo.TransferDemo}"
cd "$ROOT"
mvn -q -B -ntp -o test-compile dependency:build-classpath -pl vision-plugin -am \
  -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >&2
CP="vision-plugin/target/test-classes:vision-plugin/target/classes:$(cat vision-plugin/target/test-classpath.txt)"
exec java ${JAVA_OPTS:--Xmx6g} -Dai.djl.offline=true -Djava.awt.headless=true -Dgraft.cache.dir="$ROOT/.graft-cache" \
  -cp "$CP" "$MAIN" "$@"
