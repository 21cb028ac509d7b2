#!/usr/bin/env bash
# Installs fauxqs, the fast in-memory SQS/SNS emulator, with the Node.js 22
# it needs (both from the npm registry, pinned in scripts/dev/fauxqs), and
# prints the path of a launcher for it. make bench and make chaos use it
# beside moto (moto stays the emulator for SES, the scheduler and make test).
# The launcher takes fauxqs's own variables: FAUXQS_PORT, FAUXQS_HOST, ...
set -euo pipefail

src=$(cd "$(dirname "$0")/fauxqs" && pwd)
sum=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-12)
dir=${DDOKSO_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/ddokso}/fauxqs-$sum
launcher=$dir/fauxqs

if [ ! -x "$launcher" ]; then
  echo "ensure-fauxqs: installing fauxqs and Node.js 22 into $dir" >&2
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  cp "$src/package.json" "$src/package-lock.json" "$dir.tmp/"
  (cd "$dir.tmp" && npm ci --no-audit --no-fund --loglevel=error >&2)
  node22="$dir.tmp/node_modules/node/bin/node"
  case "$("$node22" --version)" in
    v22.*) ;;
    *) echo "ensure-fauxqs: $node22 is not Node.js 22" >&2; exit 1 ;;
  esac
  # fauxqs's own CLI always logs every request; this entry point takes
  # FAUXQS_LOGGER (default false) like its library does.
  cat >"$dir.tmp/serve.mjs" <<'SERVE'
import { startFauxqs } from "fauxqs";
startFauxqs({ logger: process.env.FAUXQS_LOGGER === "true" });
SERVE
  cat >"$dir.tmp/fauxqs" <<LAUNCH
#!/bin/sh
# fauxqs on its own Node.js 22 (installed by scripts/dev/ensure-fauxqs.sh).
exec "$dir/node_modules/node/bin/node" --no-warnings "$dir/serve.mjs" "\$@"
LAUNCH
  chmod +x "$dir.tmp/fauxqs"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
echo "$launcher"
