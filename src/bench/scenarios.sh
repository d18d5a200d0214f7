#!/usr/bin/env bash
# The benchmark scenarios of docs/performance.md, against the dev server (embedded Jetty 12) or,
# with --tomcat, against the WAR in Tomcat 10.1. Each starts a fresh server JVM, warms it up, runs the load client
# (src/bench/java/io/chatstream/bench/LoadClient.java) and prints its report; exit status 1 when a target is missed.
#
#   src/bench/scenarios.sh s1|s2|s3|s4|s5|s6|s7|all [--tomcat|--floor|--peer=jetty|--peer=node] [--jfr]
#
# S1-S4 and S6 run with conversations off (chat.store.url=off): they neither read nor write a database, and nothing
# under the home directory.
#
# s7 is conversations: S1's load (S7_STREAMS streams, default 1000, x 200 tokens at 20 tokens/s) sent through
# POST /api/conversations/{id}/messages (each stream to a conversation of its own, created before the measurement)
# against the same load through POST /api/chat, on the same server, in turns (S7_ROUNDS times each, default 2; the
# lowest of each way compared), for each store of S7_STORES (default
# "h2 postgres"): h2 is the embedded database in a temp directory, postgres a throwaway cluster of Debian's
# binaries (/usr/lib/postgresql/*/bin, run as the postgres user) in a temp directory; both are removed afterwards.
# Targets: every stream complete, conversations' server CPU per 1,000 events at most 1.2x POST /api/chat's; it
# prints the SQL statements per reply (chat_store_statements_total). Then the first page of one owner's
# S7_LIST_CONVERSATIONS conversations (default 10,000, seeded over HTTP), S7_LIST_REQUESTS times (default 1,000):
# p99 under 20 ms.
#
# s5 is two nodes and Redis: a redis-server (Debian's /usr/bin/redis-server, or REDIS_SERVER) on a free loopback port
# with a temp directory (removed afterwards), two dev servers with chat.cluster.redis-url set to it, and ProxyLanes
# (src/bench/java/io/chatstream/bench/ProxyLanes.java: the tests' RoundRobinProxy, in a process of its own) in front.
# S1's load (S5_STREAMS streams, default 1000, x 200 tokens at 20 tokens/s), each stream dropped by the client after
# event S5_DROP_AFTER (default 100) and resumed at once with GET /api/chat/streams/{id} and Last-Event-ID on the
# other node. Targets: every stream complete with every event once and in order; the CPU of both nodes and Redis per
# 1,000 events at most 2x S1's (run "s1 s5"); Redis's used_memory per retained reply at most 64 KB.
# S5_TOKENS (default 200) and S5_WARMUP (streams, default 4000) make a small run of the plumbing. The warm-up is twice
# S1's because the streams are shared out: each node then runs as many warm-up generations (2,000) as S1's one node,
# and so has compiled as much of the path before the measurement.
#
# s6 is the gateway path: the chat server with chat.backend=openai, then ollama, in front of FakeModelServer
# (src/bench/java/io/chatstream/bench/FakeModelServer.java), a fake provider in a process of its own on a loopback
# port, measured apart; run "s1 s6" to compare with the demo backend (target: at most 1.5x S1's CPU per 1,000 events).
# S6_BACKENDS picks the backends (default "openai ollama"); FAKE_JVM_OPTS the fake provider's JVM options.
#
# --floor runs s1-s3 against FloorServer instead (src/bench/java/io/chatstream/bench/FloorServer.java): plain NIO that
# only writes the same frames on time, a yardstick for what the machine, loopback TCP and the load client cost by
# themselves; FLOOR_ARGS adds its options (e.g. --write-interval-ms=100).
#
# --peer=jetty and --peer=node run s1-s3 against a peer: the same frames from an event stream as it is commonly
# written without this project, a plain Jetty 12 async servlet with a timer per stream
# (src/bench/java/io/chatstream/bench/JettyPeer.java, the dev server's JVM options and connector) or a Node server
# with a setInterval per stream (src/bench/node/peer.mjs; NODE, default node). Side by side, in one sitting:
#   for c in "" --peer=jetty --peer=node; do src/bench/scenarios.sh s1 $c; done
#
# S1_TOKENS (default 200) shortens S1's replies, for quick comparisons.
#
# Environment: SERVER_JVM_OPTS (default below), CLIENT_JVM_OPTS, BENCH_SETTINGS (more server settings,
# "name=value name=value", after the scenario's own), BENCH_CLIENT_ARGS (more load client options), BENCH_SKIP_BUILD=1, BENCH_OUT (default target/bench). Loopback only; every run is bounded in streams and time.
set -euo pipefail
cd "$(dirname "$0")/../.."

# A small container: 512 MB of heap, fixed (no full collections to grow it), 128 MB of direct memory;
# ParallelGC: two threads copy the young generation, where the streams' new events are. Metaspace starts at 64 MB:
# at the default 21 MB the JIT's profiles of the chat server's code pass it in the first minute, under load, and the
# JVM then stops for a young and a full collection ("Metadata GC Threshold"), once, in the middle of S1
SERVER_JVM_OPTS=${SERVER_JVM_OPTS:--XX:+UseParallelGC -Xms512m -Xmx512m -Xss256k -XX:MaxDirectMemorySize=128m -XX:MetaspaceSize=64m}
CLIENT_JVM_OPTS=${CLIENT_JVM_OPTS:--XX:+UseSerialGC -Xmx1g}
OUT=${BENCH_OUT:-target/bench}
CONTAINER=jetty
JFR=0
SCENARIOS=()
for a in "$@"; do
  case "$a" in
    --tomcat) CONTAINER=tomcat ;;
    --floor) CONTAINER=floor ;;
    --peer=jetty|--peer=node) CONTAINER=${a#--}; CONTAINER=${CONTAINER/=/-} ;;
    --jfr) JFR=1 ;;
    s1|s2|s3|s4|s5|s6|s7) SCENARIOS+=("$a") ;;
    all) SCENARIOS+=(s1 s2 s3 s4) ;;
    *) echo "usage: $0 s1|s2|s3|s4|s5|s6|s7|all [--tomcat|--floor|--peer=jetty|--peer=node] [--jfr]" >&2; exit 2 ;;
  esac
done
[ ${#SCENARIOS[@]} -gt 0 ] || { echo "usage: $0 s1|s2|s3|s4|s5|s6|s7|all [--tomcat|--floor|--peer=jetty|--peer=node] [--jfr]" >&2; exit 2; }

# 10,000 streams are 10,000 sockets in the client and as many in the server
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 12000 ]; then
  echo "warning: open-files limit $(ulimit -n); S2 and S4 need about 10,100 per process" >&2
fi
mkdir -p "$OUT"

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  mvn -q test-compile
  mvn -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$OUT/classpath.txt" >/dev/null
  if [ "$CONTAINER" = tomcat ]; then
    src/bench/tomcat.sh prepare
  fi
fi
CP="target/classes:target/test-classes:$(cat "$OUT/classpath.txt")"
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
# another build of the server to compare with (a directory with webapp/ and target/classes/), e.g. an older commit
SERVER_PROJECT=${BENCH_SERVER_PROJECT:-$PWD}

SERVER_PID=
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
}
FAKE_PID=
stop_fake() {
  if [ -n "$FAKE_PID" ] && kill -0 "$FAKE_PID" 2>/dev/null; then
    kill "$FAKE_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$FAKE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$FAKE_PID" 2>/dev/null || true
  fi
  FAKE_PID=
}
# S7's stores: a temp directory for H2, a throwaway PostgreSQL cluster
STORE_DIR=
PG_DIR=
PG_BIN=
pg_as() { runuser -u postgres -- "$@"; }
stop_store() {
  if [ -n "$PG_DIR" ]; then
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=
  fi
  if [ -n "$STORE_DIR" ]; then
    rm -rf "$STORE_DIR"
    STORE_DIR=
  fi
}
# S5's other processes: the first node, the proxy, redis-server (the second node is SERVER_PID)
CLUSTER_PIDS=()
REDIS_DIR=
stop_cluster() {
  local pid
  for pid in "${CLUSTER_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${CLUSTER_PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  CLUSTER_PIDS=()
  if [ -n "$REDIS_DIR" ]; then
    rm -rf "$REDIS_DIR"
    REDIS_DIR=
  fi
}
trap 'stop_server; stop_fake; stop_store; stop_cluster' EXIT

# free_port: a free loopback port
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_redis: a throwaway redis-server, nothing saved; sets REDIS_PID, REDIS_PORT
start_redis() {
  local bin=${REDIS_SERVER:-/usr/bin/redis-server}
  [ -x "$bin" ] || { echo "s5 needs redis-server (apt-get install redis-server, or REDIS_SERVER=<path>)" >&2; return 1; }
  REDIS_DIR=$(mktemp -d -t chat-bench-redis.XXXXXX)
  REDIS_PORT=$(free_port)
  "$bin" --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$REDIS_DIR" \
    >"$OUT/s5-redis.log" 2>&1 &
  REDIS_PID=$!
  CLUSTER_PIDS+=("$REDIS_PID")
  for _ in $(seq 1 100); do
    grep -q "Ready to accept connections" "$OUT/s5-redis.log" && break
    kill -0 "$REDIS_PID" 2>/dev/null || { cat "$OUT/s5-redis.log" >&2; return 1; }
    sleep 0.1
  done
  echo "redis: $("$bin" --version | awk '{print $3}') pid $REDIS_PID port $REDIS_PORT in $REDIS_DIR"
}

# start_lanes PORT...: ProxyLanes in front of the nodes; sets PROXY_PORT (round robin) and LANES (one per node)
start_lanes() {
  local log="$OUT/s5-proxy.log" pid
  # shellcheck disable=SC2086
  "$JAVA" ${PROXY_JVM_OPTS:--XX:+UseSerialGC -Xmx256m -Xss256k} -cp "$CP" io.chatstream.bench.ProxyLanes "$@" \
    >"$log" 2>&1 &
  pid=$!
  CLUSTER_PIDS+=("$pid")
  PROXY_PORT=
  for _ in $(seq 1 100); do
    PROXY_PORT=$(sed -n 's|^Proxy on 127.0.0.1: round robin \([0-9]*\), lanes .*|\1|p' "$log" | head -1)
    [ -n "$PROXY_PORT" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$PROXY_PORT" ] || { echo "proxy did not start; see $log" >&2; exit 1; }
  LANES=$(sed -n 's|^Proxy on 127.0.0.1: round robin [0-9]*, lanes \(.*\)|\1|p' "$log" | head -1 | tr ' ' ,)
  echo "proxy: pid $pid, round robin on $PROXY_PORT, lanes $LANES"
}

# start_store h2|postgres: sets STORE_SETTINGS
start_store() {
  case "$1" in
    h2)
      STORE_DIR=$(mktemp -d -t chat-bench-h2.XXXXXX)
      STORE_SETTINGS=(chat.store.url=embedded "chat.store.dir=$STORE_DIR")
      ;;
    postgres)
      PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
      [ -n "$PG_BIN" ] && [ "$(id -u)" = 0 ] || { echo "s7 postgres needs Debian's PostgreSQL (apt-get install postgresql) and root to run it as the postgres user" >&2; return 1; }
      PG_DIR=$(mktemp -d -t chat-bench-pg.XXXXXX)
      chown postgres "$PG_DIR"
      pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-sync -E UTF8 >"$OUT/s7-postgres-initdb.log"
      local port
      port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      # durable as in production (fsync on): the saves' cost is part of what is measured
      pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
        -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1" start >/dev/null
      pg_as "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres chat
      STORE_SETTINGS=("chat.store.url=jdbc:postgresql://127.0.0.1:$port/chat" chat.store.user=postgres)
      echo "store: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on port $port in $PG_DIR"
      ;;
    *) echo "S7_STORES: h2 or postgres, not $1" >&2; return 1 ;;
  esac
}

# await_port LOG NAME: waits for the started server's "NAME on http://localhost:PORT/" line; sets PORT and BASE_PATH
await_port() {
  PORT=
  for _ in $(seq 1 300); do
    PORT=$(sed -n "s|^$2 on http://localhost:\\([0-9]*\\)/.*|\\1|p" "$1" | head -1)
    [ -n "$PORT" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$1" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$PORT" ] || { echo "server did not start; see $1" >&2; exit 1; }
  BASE_PATH=
}

# start_server NAME setting=value... : sets SERVER_PID and PORT
# The demo's pace settings as the yardstick servers' options (FloorServer, the peers), into the caller's args array.
pace_args() {
  for s in "$@"; do
    case "$s" in
      chat.demo.tokens-per-second=*) args+=("--tokens-per-second=${s#*=}") ;;
      chat.demo.reply-tokens=*) args+=("--reply-tokens=${s#*=}") ;;
    esac
  done
}

start_server() {
  local name=$1; shift
  local props=() jfr=()
  # shellcheck disable=SC2086
  for s in "$@" ${BENCH_SETTINGS:-}; do props+=("-D$s"); done
  if [ "$JFR" = 1 ]; then
    jfr=("-XX:StartFlightRecording=filename=$OUT/$name-$CONTAINER.jfr,settings=profile")
  fi
  local log="$OUT/$name-$CONTAINER-server.log"
  if [ "$CONTAINER" = tomcat ]; then
    # shellcheck disable=SC2086
    src/bench/tomcat.sh start "$log" $SERVER_JVM_OPTS "${jfr[@]}" "${props[@]}"
    SERVER_PID=$(cat "$OUT/tomcat.pid")
    PORT=$(cat "$OUT/tomcat.port")
    BASE_PATH=/chat
  elif [ "$CONTAINER" = floor ]; then
    local args=()
    pace_args "$@"
    # shellcheck disable=SC2086
    "$JAVA" $SERVER_JVM_OPTS "${jfr[@]}" -cp "$CP" io.chatstream.bench.FloorServer --port=0 "${args[@]}" ${FLOOR_ARGS:-} \
      >"$log" 2>&1 &
    SERVER_PID=$!
    await_port "$log" "Floor server"
  elif [ "$CONTAINER" = peer-jetty ] || [ "$CONTAINER" = peer-node ]; then
    local args=()
    pace_args "$@"
    if [ "$CONTAINER" = peer-jetty ]; then
      # shellcheck disable=SC2086
      "$JAVA" $SERVER_JVM_OPTS "${jfr[@]}" -cp "$CP" io.chatstream.bench.JettyPeer --port=0 "${args[@]}" >"$log" 2>&1 &
      SERVER_PID=$!
      await_port "$log" "Jetty peer"
    else
      "${NODE:-node}" src/bench/node/peer.mjs --port=0 "${args[@]}" >"$log" 2>&1 &
      SERVER_PID=$!
      await_port "$log" "Node peer"
    fi
  else
    # shellcheck disable=SC2086
    "$JAVA" $SERVER_JVM_OPTS "${jfr[@]}" "${props[@]}" -Dchat.server.port=0 \
      -cp "$SERVER_PROJECT/target/classes:$SERVER_PROJECT/target/test-classes:$CP" io.chatstream.dev.DevServer "$SERVER_PROJECT" >"$log" 2>&1 &
    SERVER_PID=$!
    await_port "$log" "Chat dev server"
  fi
  echo "server: $CONTAINER pid $SERVER_PID port $PORT ($SERVER_JVM_OPTS ${props[*]})"
  echo "machine: $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg)"
}

# The request path (parsing, admission, the stream's start and end, the log line) is compiled by the JIT only after
# thousands of requests; S2 opens 10,000 in 5 s, and compiling then costs seconds of CPU in the middle of the
# measurement. This warm-up opens as many, as fast, with 1-token replies (a few KB retained each).
warm_requests() {
  case "$CONTAINER" in floor|peer-*) return 0 ;; esac
  client --label=warmup-requests --method=POST --max-tokens=1 --streams="$1" --ramp="$2" --timeout=90 >/dev/null || true
}

# With two cores busy the JIT's compile queue falls behind the warm-up; an idle pause lets it finish, so the
# measurement sees compiled code and does not pay for compiling it (seconds of CPU otherwise).
settle() {
  sleep "${BENCH_SETTLE_SECONDS:-10}"
}

# start_fake: the fake model provider (S6) in a JVM of its own, 20 tokens/s, 200 tokens a reply; sets FAKE_PID, FAKE_PORT
start_fake() {
  local log="$OUT/s6-fake-upstream.log"
  # shellcheck disable=SC2086
  "$JAVA" ${FAKE_JVM_OPTS:--XX:+UseSerialGC -Xmx256m} -cp "$CP" io.chatstream.bench.FakeModelServer --port=0 \
    --tokens-per-second=20 --reply-tokens=200 >"$log" 2>&1 &
  FAKE_PID=$!
  FAKE_PORT=
  for _ in $(seq 1 100); do
    FAKE_PORT=$(sed -n 's|^Fake model server on http://localhost:\([0-9]*\)/.*|\1|p' "$log" | head -1)
    [ -n "$FAKE_PORT" ] && break
    kill -0 "$FAKE_PID" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$FAKE_PORT" ] || { echo "fake model server did not start; see $log" >&2; exit 1; }
  echo "upstream: fake model server pid $FAKE_PID port $FAKE_PORT"
}

# result FILE LABEL FIELD: a field of the load client's RESULT lines (a whole name: cpu_ms_per_1k is not
# upstream_cpu_ms_per_1k)
result() {
  [ -f "$1" ] || return 0 # under pipefail, sed's failure on a missing file would end the script
  sed -n "s/^RESULT label=$2 \(.* \)\?$3=\([0-9.]*\).*/\2/p" "$1" 2>/dev/null | tail -1
}

client() {
  # shellcheck disable=SC2086
  "$JAVA" $CLIENT_JVM_OPTS -cp "$CP" io.chatstream.bench.LoadClient --port="$PORT" --path="$BASE_PATH/api/chat" \
    --server-pid="$SERVER_PID" --thread-cpu --timeline "$@" ${BENCH_CLIENT_ARGS:-}
}

STREAMS=(chat.demo.reply-tokens=200 chat.limits.max-streams=20000 chat.limits.max-streams-per-client=20000)
COMMON=("${STREAMS[@]}" chat.store.url=off)
status=0
for s in "${SCENARIOS[@]}"; do
  case "$s" in
    s1)
      n=${S1_TOKENS:-200}
      start_server s1 "${STREAMS[@]}" chat.store.url=off "chat.demo.reply-tokens=$n" chat.demo.tokens-per-second=20
      client --label=s1-warmup --streams=2000 --ramp=2 --reply-tokens="$n" --timeout=90 >/dev/null || true
      settle
      client --label=s1 --streams=1000 --ramp=2 --reply-tokens="$n" --timeout=120 \
        --target-gap-p99-ms=55 | tee "$OUT/s1-$CONTAINER.txt" || status=1
      ;;
    s2)
      start_server s2 "${COMMON[@]}" chat.demo.tokens-per-second=20
      client --label=s2-warmup --streams=2000 --ramp=2 --reply-tokens=200 --timeout=90 >/dev/null || true
      warm_requests 10000 5
      settle
      client --label=s2 --streams=10000 --ramp=5 --reply-tokens=200 --timeout=180 \
        --target-events-per-sec=100000 --target-gap-p99-ms=150 --target-max-threads=64 --target-max-rss-mb=768 \
        | tee "$OUT/s2-$CONTAINER.txt" || status=1
      ;;
    s3)
      start_server s3 chat.demo.reply-tokens=2000 chat.limits.max-streams=20000 \
        chat.limits.max-streams-per-client=20000 chat.demo.tokens-per-second=1000 chat.store.url=off
      client --label=s3-warmup --streams=200 --total=1000 --ramp=1 --reply-tokens=2000 --timeout=120 >/dev/null || true
      settle
      client --label=s3 --streams=200 --total=2000 --ramp=1 --reply-tokens=2000 --timeout=300 \
        --target-cpu-ms-per-1k=4 | tee "$OUT/s3-$CONTAINER.txt" || status=1
      ;;
    s4)
      ! case "$CONTAINER" in floor|peer-*) true ;; *) false ;; esac || { echo "s4 needs keep-alives, which the floor server and the peers do not send" >&2; continue; }
      start_server s4 "${COMMON[@]}" chat.demo.tokens-per-second=0.1 chat.sse.keepalive-seconds=5
      client --label=s4-warmup --streams=2000 --ramp=2 --hold=6 --keepalive=5 --timeout=60 >/dev/null || true
      warm_requests 10000 10
      sleep 17 # the warm-up's streams outlive their connections by chat.stream.detach-grace-seconds (15 s)
      client --label=s4 --streams=10000 --ramp=10 --hold=60 --keepalive=5 --heap-probe --timeout=150 \
        --target-heap-kb-per-stream=16 --target-keepalive-p99-ms=100 | tee "$OUT/s4-$CONTAINER.txt" || status=1
      ;;
    s5)
      [ "$CONTAINER" = jetty ] || { echo "s5 runs two dev servers (embedded Jetty) only" >&2; continue; }
      start_redis || { status=1; continue; }
      tokens=${S5_TOKENS:-200}
      cluster=("${COMMON[@]}" "chat.demo.reply-tokens=$tokens" chat.demo.tokens-per-second=20
        "chat.cluster.redis-url=redis://127.0.0.1:$REDIS_PORT")
      start_server s5-node1 "${cluster[@]}"
      NODE1_PID=$SERVER_PID
      NODE1_PORT=$PORT
      CLUSTER_PIDS+=("$SERVER_PID")
      SERVER_PID=
      start_server s5-node2 "${cluster[@]}"
      NODE2_PID=$SERVER_PID
      start_lanes "$NODE1_PORT" "$PORT"
      # each node connects to Redis in the background: the load starts once both have
      for node in node1 node2; do
        for _ in $(seq 1 100); do
          grep -q "Connected to Redis at" "$OUT/s5-$node-$CONTAINER-server.log" && break
          sleep 0.1
        done
        grep -q "Connected to Redis at" "$OUT/s5-$node-$CONTAINER-server.log" ||
          echo "warning: s5-$node has not connected to Redis in 10 s; see $OUT/s5-$node-$CONTAINER-server.log" >&2
      done
      s5=(--port="$PROXY_PORT" --path=/api/chat --lanes="$LANES" --reply-tokens="$tokens"
        --drop-after="${S5_DROP_AFTER:-$((tokens / 2))}" --timeline)
      # the warm-up takes both paths on both nodes: a generation written to Redis, a stream followed from it; each
      # node runs half of its streams' generations, so twice S1's warm-up gives each node as many as S1's one node
      # shellcheck disable=SC2086
      "$JAVA" $CLIENT_JVM_OPTS -cp "$CP" io.chatstream.bench.LoadClient --label=s5-warmup "${s5[@]}" \
        --streams="${S5_WARMUP:-4000}" --ramp=2 --timeout=90 >/dev/null || true
      settle
      s1_cpu=$(result "$OUT/s1-$CONTAINER.txt" s1 cpu_ms_per_1k)
      target=()
      if [ -n "$s1_cpu" ]; then
        target=("--target-measured-cpu-ms-per-1k=$(awk -v c="$s1_cpu" 'BEGIN { printf "%.2f", c * 2 }')")
      else
        echo "no S1 result in $OUT/s1-$CONTAINER.txt: s5 runs without its CPU target (run \"s1 s5\")" >&2
      fi
      # shellcheck disable=SC2086
      "$JAVA" $CLIENT_JVM_OPTS -cp "$CP" io.chatstream.bench.LoadClient --label=s5 "${s5[@]}" \
        --streams="${S5_STREAMS:-1000}" --ramp=2 --timeout=120 \
        --measure="node1:$NODE1_PID,node2:$NODE2_PID,redis:$REDIS_PID" --redis-port="$REDIS_PORT" \
        --target-redis-kb-per-stream=64 "${target[@]}" ${BENCH_CLIENT_ARGS:-} | tee "$OUT/s5-$CONTAINER.txt" || status=1
      s5_cpu=$(result "$OUT/s5-$CONTAINER.txt" s5 measured_cpu_ms_per_1k)
      if [ -n "$s1_cpu" ] && [ -n "$s5_cpu" ]; then
        awk -v a="$s1_cpu" -v b="$s5_cpu" 'BEGIN { printf "s5 (two nodes + Redis) vs s1 (one node): %.2f vs %.2f ms of CPU per 1,000 events = %.2fx (target <= 2x)\n", b, a, b / a }'
      fi
      stop_server
      stop_cluster
      ;;
    s6)
      ! case "$CONTAINER" in floor|peer-*) true ;; *) false ;; esac || { echo "s6 measures the chat server's gateway path, which the floor server and the peers have not" >&2; continue; }
      start_fake
      s1_cpu=$(result "$OUT/s1-$CONTAINER.txt" s1 cpu_ms_per_1k)
      target=()
      if [ -n "$s1_cpu" ]; then
        target=("--target-cpu-ms-per-1k=$(awk -v c="$s1_cpu" 'BEGIN { printf "%.2f", c * 1.5 }')")
      else
        echo "no S1 result in $OUT/s1-$CONTAINER.txt: s6 runs without its CPU target (run \"s1 s6\")" >&2
      fi
      for backend in ${S6_BACKENDS:-openai ollama}; do
        case "$backend" in
          openai) upstream=(chat.backend=openai "chat.openai.base-url=http://127.0.0.1:$FAKE_PORT/v1" chat.openai.model=fake-1) ;;
          ollama) upstream=(chat.backend=ollama "chat.ollama.base-url=http://127.0.0.1:$FAKE_PORT" chat.ollama.model=fake-1) ;;
          *) echo "S6_BACKENDS: openai or ollama, not $backend" >&2; exit 2 ;;
        esac
        start_server "s6-$backend" "${COMMON[@]}" "${upstream[@]}"
        client --label="s6-$backend-warmup" --streams=2000 --ramp=2 --reply-tokens=200 --timeout=90 >/dev/null || true
        settle
        client --label="s6-$backend" --upstream-pid="$FAKE_PID" --streams=1000 --ramp=2 --reply-tokens=200 \
          --timeout=120 "${target[@]}" | tee "$OUT/s6-$backend-$CONTAINER.txt" || status=1
        s6_cpu=$(result "$OUT/s6-$backend-$CONTAINER.txt" "s6-$backend" cpu_ms_per_1k)
        if [ -n "$s1_cpu" ] && [ -n "$s6_cpu" ]; then
          awk -v a="$s1_cpu" -v b="$s6_cpu" -v n="$backend" 'BEGIN { printf "s6-%s vs s1 (demo): %.2f vs %.2f ms of server CPU per 1,000 events = %.2fx (target <= 1.5x)\n", n, b, a, b / a }'
        fi
        stop_server
      done
      stop_fake
      ;;
    s7)
      ! case "$CONTAINER" in floor|peer-*) true ;; *) false ;; esac || { echo "s7 measures conversations, which the floor server and the peers have not" >&2; continue; }
      n=${S7_STREAMS:-1000}
      rounds=${S7_ROUNDS:-2}
      for store in ${S7_STORES:-h2 postgres}; do
        start_store "$store" || { status=1; continue; }
        # replies retained 5 s, not 300: each run starts with the same heap, whichever way ran before it
        start_server "s7-$store" "${STREAMS[@]}" chat.demo.tokens-per-second=20 chat.stream.retain-seconds=5 \
          "${STORE_SETTINGS[@]}"
        chat=(--method=POST --ramp=2 --reply-tokens=200)
        conversations=("${chat[@]}" --conversations)
        client --label="s7-$store-chat-warmup" "${chat[@]}" --streams="$((2 * n))" --timeout=90 >/dev/null || true
        client --label="s7-$store-conversations-warmup" "${conversations[@]}" --streams="$((2 * n))" --timeout=90 \
          >/dev/null || true
        settle
        # the two ways in turns, S7_ROUNDS times: another process's burst on a shared machine, or the JIT compiling
        # late, only ever adds CPU, so each way's lowest figure is the one compared
        chat_cpu=
        conv_cpu=
        for round in $(seq 1 "$rounds"); do
          for way in chat conversations; do
            sleep 6 # the runs before: retained replies gone
            if [ "$way" = chat ]; then args=("${chat[@]}"); else args=("${conversations[@]}"); fi
            file="$OUT/s7-$store-$way-$round-$CONTAINER.txt"
            client --label="s7-$store-$way" "${args[@]}" --streams="$n" --timeout=120 | tee "$file" || status=1
            cpu=$(result "$file" "s7-$store-$way" cpu_ms_per_1k)
            if [ "$way" = chat ]; then
              chat_cpu=$(printf '%s\n' $chat_cpu $cpu | sort -g | head -1)
            else
              conv_cpu=$(printf '%s\n' $conv_cpu $cpu | sort -g | head -1)
            fi
          done
        done
        if [ -n "$chat_cpu" ] && [ -n "$conv_cpu" ]; then
          awk -v a="$chat_cpu" -v b="$conv_cpu" -v n="$store" -v r="$rounds" 'BEGIN { x = b / a;
            printf "s7-%s: conversations vs POST /api/chat, the lowest of %d runs each: %.2f vs %.2f ms of server CPU per 1,000 events = %.2fx (target <= 1.2x): %s\n",
              n, r, b, a, x, x <= 1.2 ? "PASS" : "FAIL"; exit x <= 1.2 ? 0 : 1 }' | tee "$OUT/s7-$store-$CONTAINER.txt" || status=1
        fi
        # the list: one owner's first page among many
        # shellcheck disable=SC2086
        "$JAVA" $CLIENT_JVM_OPTS -cp "$CP" io.chatstream.bench.ConversationListBench --port="$PORT" \
          --context="$BASE_PATH" --label="s7-$store-list" --conversations="${S7_LIST_CONVERSATIONS:-10000}" \
          --requests="${S7_LIST_REQUESTS:-1000}" --target-p99-ms=20 | tee "$OUT/s7-$store-list-$CONTAINER.txt" || status=1
        stop_server
        stop_store
      done
      ;;
  esac
  stop_server
done
exit $status
