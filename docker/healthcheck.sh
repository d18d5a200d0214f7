#!/bin/sh
# Docker HEALTHCHECK: exit 0 when GET http://127.0.0.1:8080/chat/api/health answers 200, else 1.
# Uses curl where the image has it (the Temurin-based Tomcat images do), else bash's /dev/tcp: no Java start-up,
# no extra package.
port="${CHAT_HEALTH_PORT:-8080}"
path="${CHAT_HEALTH_PATH:-/chat/api/health}"
if command -v curl >/dev/null 2>&1; then
  curl --fail --silent --max-time 4 --output /dev/null "http://127.0.0.1:${port}${path}" || exit 1
  exit 0
fi
PORT="$port" HPATH="$path" exec bash -c '
  exec 3<>"/dev/tcp/127.0.0.1/${PORT}" || exit 1
  printf "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n" "${HPATH}" >&3
  IFS=" " read -r -t 4 version status rest <&3 || exit 1
  case "$version $status" in "HTTP/1."?" 200") exit 0 ;; *) exit 1 ;; esac
' 2>/dev/null
