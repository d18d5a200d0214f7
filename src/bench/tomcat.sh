#!/usr/bin/env bash
# Tomcat 10.1 for the benchmark, under target/bench (see docs/performance.md).
#   src/bench/tomcat.sh prepare              fetch and unpack Tomcat (Maven's dependency plugin), build the WAR
#   src/bench/tomcat.sh start LOG [JVM_OPTS] start it on a free loopback port with the WAR at /chat; writes
#                                            target/bench/tomcat.pid and tomcat.port once /chat/api/health answers
# The connector: NIO, maxThreads 32, maxConnections 20000 (default 8192, too few for 10,000 streams), acceptCount
# 4096 (the listen backlog; the kernel caps it at net.core.somaxconn), and smaller per-connection buffers. An open
# async request (a stream) keeps its connection's processor, and with it every buffer below, for the stream's whole
# life (heap per connection with Tomcat's defaults: about 100 KB; with these: about 65 KB):
#   socket.appReadBufSize="1024"      the socket's read buffer (default 8192), also added to the request header
#                                     buffer below; requests are small, a body is read in 1 KiB reads
#   socket.appWriteBufSize="4096"     the socket's write buffer (default 8192); a larger write goes out in writes of
#                                     this size, so not smaller
#   maxHttpRequestHeaderSize="4096"   the request line and headers (default maxHttpHeaderSize, 8192)
#   maxHttpResponseHeaderSize="1024"  the response headers (default 8192); ours take at most about 450 bytes (a
#                                     stream with CORS); larger headers fail the response with a 500
#   maxTrailerSize="256"              the trailer buffer of chunked request bodies, allocated for every connection
#                                     (default 8192); the API takes no trailers
# What no setting changes (Tomcat 10.1 and 11): the request's and the response's 8,192-char CharBuffers (16 KB
# each) and the response's 8 KiB ByteBuffer (org.apache.catalina.connector.InputBuffer and OutputBuffer, about 41 KB
# per connection; Response.setBufferSize only grows the last), and about 13 KB of request, response and socket
# objects. socket.directBuffer="true" would move the socket buffers (5 KB) out of the heap into direct memory.
# TOMCAT_CONNECTOR_ATTRS replaces those buffer attributes (empty: Tomcat's defaults); TOMCAT_VERSION the version.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${BENCH_OUT:-target/bench}
VERSION=${TOMCAT_VERSION:-10.1.59}
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
    attrs=${TOMCAT_CONNECTOR_ATTRS-socket.appReadBufSize=\"1024\" socket.appWriteBufSize=\"4096\" maxHttpRequestHeaderSize=\"4096\" maxHttpResponseHeaderSize=\"1024\" maxTrailerSize=\"256\"}
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
