#!/usr/bin/env bash
# Tomcat 10.1 for the benchmark, under target/bench (see the README's "Performance" section).
#   src/bench/tomcat.sh prepare              fetch and unpack Tomcat (Maven's dependency plugin), build the WAR
#   src/bench/tomcat.sh start LOG [JVM_OPTS] start it on a free loopback port with the WAR at /chat; writes
#                                            target/bench/tomcat.pid and tomcat.port once /chat/api/health answers
# The connector: NIO, maxThreads 32, maxConnections 20000 (default 8192, too few for 10,000 streams),
# acceptCount 4096 (the listen backlog; the kernel caps it at net.core.somaxconn), and smaller per-connection
# buffers: an async request holds its socket's read and write buffers (socket.appReadBufSize and appWriteBufSize,
# 8 KiB each) and its processor's header buffers (maxHttpHeaderSize, 8 KiB) for the stream's whole life.
# TOMCAT_CONNECTOR_ATTRS replaces those buffer attributes (empty: Tomcat's defaults).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${BENCH_OUT:-target/bench}
VERSION=10.1.59
HOME_DIR="$OUT/apache-tomcat-$VERSION"

case "${1:-}" in
  prepare)
    if [ ! -x "$HOME_DIR/bin/catalina.sh" ]; then
      mvn -q dependency:copy -Dartifact="org.apache.tomcat:tomcat:$VERSION:tar.gz" -DoutputDirectory="$OUT"
      tar -xzf "$OUT/tomcat-$VERSION.tar.gz" -C "$OUT"
      rm -rf "$HOME_DIR/webapps/"*
    fi
    mvn -q package -DskipTests
    ;;
  start)
    log=$2; shift 2
    attrs=${TOMCAT_CONNECTOR_ATTRS-socket.appReadBufSize=\"2048\" socket.appWriteBufSize=\"4096\" maxHttpHeaderSize=\"4096\"}
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat >"$HOME_DIR/conf/server.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<Server port="-1" shutdown="SHUTDOWN">
  <Service name="Catalina">
    <Connector address="127.0.0.1" port="$port" protocol="org.apache.coyote.http11.Http11NioProtocol"
               maxThreads="32" minSpareThreads="4" maxConnections="20000" acceptCount="4096"
               connectionTimeout="20000" keepAliveTimeout="300000" $attrs />
    <Engine name="Catalina" defaultHost="localhost">
      <Host name="localhost" appBase="webapps" unpackWARs="true" autoDeploy="false" />
    </Engine>
  </Service>
</Server>
XML
    rm -rf "$HOME_DIR/webapps/chat" "$HOME_DIR/work/Catalina"
    cp target/chat.war "$HOME_DIR/webapps/chat.war"
    CATALINA_HOME="$PWD/$HOME_DIR" CATALINA_BASE="$PWD/$HOME_DIR" JAVA_OPTS="$*" \
      "$HOME_DIR/bin/catalina.sh" run >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 1 600); do
      if curl -sf -o /dev/null "http://127.0.0.1:$port/chat/api/health"; then
        echo "$pid" >"$OUT/tomcat.pid"
        echo "$port" >"$OUT/tomcat.port"
        exit 0
      fi
      kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
      sleep 0.1
    done
    echo "Tomcat did not answer; see $log" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
    ;;
  *)
    echo "usage: $0 prepare | start LOG [JVM_OPTS...]" >&2
    exit 2
    ;;
esac
