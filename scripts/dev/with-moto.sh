#!/usr/bin/env bash
# Runs a command with an AWS-API endpoint. When AWS_ENDPOINT_URL is already
# set it is used as is; otherwise moto_server is started on a free loopback
# port for the duration of the command and stopped afterwards.
set -euo pipefail

export AWS_EC2_METADATA_DISABLED=true
export AWS_REGION=${AWS_REGION:-ap-northeast-2}

if [ -n "${AWS_ENDPOINT_URL:-}" ]; then
  exec "$@"
fi

export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-testing}
export AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-testing}

if ! command -v moto_server >/dev/null; then
  echo "with-moto: moto_server not found; installing moto[server]" >&2
  pip install --quiet 'moto[server]>=5.1,<6'
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=${MOTO_LOG:-$(mktemp -t moto.XXXXXX.log)}
moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto_pid=$!
# shellcheck disable=SC2317 # invoked by the trap
cleanup() { kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true; }
trap cleanup EXIT

export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -fsS "$AWS_ENDPOINT_URL/moto-api/" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$AWS_ENDPOINT_URL/moto-api/" >/dev/null || { echo "with-moto: moto_server did not start (log: $log)" >&2; exit 1; }
echo "with-moto: moto_server at $AWS_ENDPOINT_URL (log: $log)" >&2

# The command runs as a child whose exit we wait for, and SIGTERM/SIGINT
# are passed on to it: `make run` stopped with SIGTERM (make sends it to
# its recipe, which execs this script) or Ctrl-C stops ddokso, which drains
# and exits; then moto is stopped by the EXIT trap.
set +e
"$@" &
child=$!
# shellcheck disable=SC2317 # invoked by the trap
forward() { kill -TERM "$child" 2>/dev/null; }
trap forward INT TERM
wait "$child"
rc=$?
while kill -0 "$child" 2>/dev/null; do # wait was cut short by a signal
  wait "$child"
  rc=$?
done
set -e
exit $rc
