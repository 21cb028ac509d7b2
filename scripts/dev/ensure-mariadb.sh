#!/usr/bin/env bash
# Starts the local MariaDB when it is down and creates the databases ddokso
# uses. Idempotent. Connection: root@127.0.0.1:3306, empty password (the
# development machine's default); override with MYSQL_HOST/MYSQL_PORT/MYSQL_USER.
set -euo pipefail

host=${MYSQL_HOST:-127.0.0.1}
port=${MYSQL_PORT:-3306}
user=${MYSQL_USER:-root}

ping() { mysqladmin --protocol=tcp -h "$host" -P "$port" -u "$user" ping >/dev/null 2>&1; }

if ! ping; then
  if [ -x /usr/sbin/mariadbd ]; then
    echo "ensure-mariadb: starting MariaDB" >&2
    mkdir -p /run/mysqld
    chown mysql:mysql /run/mysqld 2>/dev/null || true
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  else
    echo "ensure-mariadb: MariaDB is not running and /usr/sbin/mariadbd is missing" >&2
    exit 1
  fi
  for _ in $(seq 1 60); do
    ping && break
    sleep 0.5
  done
  ping || { echo "ensure-mariadb: MariaDB did not come up in 30s" >&2; exit 1; }
fi

for db in "$@"; do
  mysql --protocol=tcp -h "$host" -P "$port" -u "$user" \
    -e "CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
done
# Drop test databases left behind by killed test runs: storetest names them
# ddokso_t_<pid>_<random> after the test process, so only databases whose
# process is gone are dropped, never those of tests running right now
# (another `make test`, a helper's go test) nor anything else.
mysql --protocol=tcp -h "$host" -P "$port" -u "$user" -N -e \
  "SELECT schema_name FROM information_schema.schemata WHERE schema_name REGEXP '^ddokso_t_[0-9]+_[0-9a-f]+$'" |
  while read -r stale; do
    [ -n "${DDOKSO_KEEP_TEST_DBS:-}" ] && break
    pid=${stale#ddokso_t_}
    pid=${pid%%_*}
    [ -d "/proc/$pid" ] && continue
    mysql --protocol=tcp -h "$host" -P "$port" -u "$user" -e "DROP DATABASE IF EXISTS \`$stale\`"
  done
echo "ensure-mariadb: ready on $host:$port" >&2
