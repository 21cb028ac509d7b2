#!/usr/bin/env bash
# Prints `export` lines for local development secrets, creating them once in
# .dev.env (git-ignored) so restarts keep the same tokens valid. Secrets never
# live in the repository.
set -euo pipefail
f=${DEV_ENV_FILE:-.dev.env}
if [ ! -f "$f" ]; then
  umask 077
  {
    echo "DDOKSO_API_JWT_SECRET=$(head -c 32 /dev/urandom | base64 | tr -d '\n/+=')"
    echo "DDOKSO_API_ADMIN_KEY=$(head -c 24 /dev/urandom | base64 | tr -d '\n/+=')"
    echo "DDOKSO_NOTIFY_UNSUBSCRIBE_SECRET=$(head -c 32 /dev/urandom | base64 | tr -d '\n/+=')"
  } >"$f"
  echo "dev-env: wrote local secrets to $f" >&2
fi
sed -e 's/^/export /' "$f"
