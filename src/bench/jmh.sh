#!/usr/bin/env bash
# JMH micro-benchmarks of src/bench/java: src/bench/jmh.sh [JMH options], e.g.
#   src/bench/jmh.sh FrameEncoder -prof gc       the frame encoder (EventJson, SseFrames, NdjsonFrames)
#   src/bench/jmh.sh DecoderBenchmark -prof gc   the five dialects' stream decoders, per token
# (on a busy machine, io.chatstream.bench.CpuTimePerToken times the same bodies in thread CPU time; see docs/performance.md)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${BENCH_OUT:-target/bench}
mkdir -p "$OUT"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  mvn -q test-compile
  mvn -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$OUT/classpath.txt" >/dev/null
fi
exec "${JAVA_HOME:+$JAVA_HOME/bin/}java" -cp "target/classes:target/test-classes:$(cat "$OUT/classpath.txt")" \
  org.openjdk.jmh.Main "${@:-FrameEncoder}"
