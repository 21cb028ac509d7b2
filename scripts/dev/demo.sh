#!/usr/bin/env bash
# make demo: the built-in demo shop and the whole system (ddokso run) on
# local MariaDB + moto, with DDOKSO_DEV_SHOP, the one setting that lets the
# API admit and the fetcher reach that local shop. Runs under with-moto.sh
# (AWS_ENDPOINT_URL set) with .dev.env exported. Writes moto's endpoint to
# .dev.moto for `ddokso dev mail`. SIGTERM/SIGINT stop ddokso and the shop.
set -euo pipefail
bin=${DDOKSO_BIN:-bin/ddokso}
export DDOKSO_DEV_SHOP=${DDOKSO_DEV_SHOP:-127.0.0.1:8765}
# A demo tried at night should not wait for the quiet hours to end.
export DDOKSO_NOTIFY_QUIET_START="${DDOKSO_NOTIFY_QUIET_START-}" DDOKSO_NOTIFY_QUIET_END="${DDOKSO_NOTIFY_QUIET_END-}"
export DDOKSO_LOCAL_SES_EVENTS=${DDOKSO_LOCAL_SES_EVENTS:-$AWS_ENDPOINT_URL}
echo "$AWS_ENDPOINT_URL" >"${DEV_MOTO_FILE:-.dev.moto}"

"$bin" dev shop --addr "$DDOKSO_DEV_SHOP" &
shop_pid=$!
"$bin" run &
run_pid=$!
# shellcheck disable=SC2317 # invoked by the trap
stop() { kill -TERM "$run_pid" "$shop_pid" 2>/dev/null || true; }
trap stop INT TERM
set +e
wait "$run_pid"
rc=$?
while kill -0 "$run_pid" 2>/dev/null; do
  wait "$run_pid"
  rc=$?
done
kill -TERM "$shop_pid" 2>/dev/null
wait "$shop_pid" 2>/dev/null
exit "$rc"
