#!/usr/bin/env bash
# rollout.sh: blue/green deploy of one ddokso role on this host.
#
#   rollout.sh <service> <image>
#
# service is api, scrap, notify, batch or relay (long-running roles, swapped
# blue/green) or migrate (runs `ddokso migrate up` once and exits).
#
# The new container starts beside the old one on the other colour's host
# port; only when its /readyz answers 200 is the old one stopped (it is kept,
# stopped, for a manual `docker start` rollback). If the new one never gets
# ready, or is not ready any more after the switch, it is removed and the old
# one keeps (or resumes) serving. For the API both colours' host ports are in
# the load balancer's target group: whichever passes the health check takes
# traffic, so the switch needs no proxy reconfiguration.
#
# Environment:
#   DDOKSO_ENV       dev or prod (required): the settings and secrets are read
#                    by docker from /etc/ddokso/<env>.env and never printed
#   DDOKSO_ENV_FILE  another env file (default /etc/ddokso/$DDOKSO_ENV.env)
#   READY_TIMEOUT    seconds to wait for /readyz (default 120)
#   STOP_TIMEOUT     seconds the old container gets to drain (default 60)
#   READY_INTERVAL   seconds between /readyz probes (default 2)
#   PUBLISH_ADDR     host address of the API port (default 0.0.0.0)
#   ADMIN_ADDR       host address of the admin ports (default 127.0.0.1)
#   DDOKSO_API_TRUSTED_PROXIES  when set, passed to the container (the VPC
#                    range of the load balancer, so per-IP limits see clients)
#   DOCKER, CURL     the docker and curl commands (default docker, curl)
set -euo pipefail

readonly PREFIX=ddokso
DOCKER=${DOCKER:-docker}
CURL=${CURL:-curl}
READY_TIMEOUT=${READY_TIMEOUT:-120}
STOP_TIMEOUT=${STOP_TIMEOUT:-60}
READY_INTERVAL=${READY_INTERVAL:-2}
PUBLISH_ADDR=${PUBLISH_ADDR:-0.0.0.0}
ADMIN_ADDR=${ADMIN_ADDR:-127.0.0.1}

service=${1:-}
image=${2:-}

log() { printf '%s rollout[%s]: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${service:-?}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
	printf 'usage: %s <api|scrap|notify|batch|relay|migrate> <image>\n' "${0##*/}" >&2
	exit 2
}

[[ -n $service && -n $image && $# -eq 2 ]] || usage

# Role command, container port and host port base (blue = base+1, green = base+2).
case $service in
api) args=(api) cport=8080 base=8080 addr=$PUBLISH_ADDR ;;
scrap) args=(worker scrap) cport=9090 base=9100 addr=$ADMIN_ADDR ;;
notify) args=(worker notify) cport=9090 base=9110 addr=$ADMIN_ADDR ;;
batch) args=(worker batch) cport=9090 base=9120 addr=$ADMIN_ADDR ;;
relay) args=(relay) cport=9090 base=9130 addr=$ADMIN_ADDR ;;
migrate) args=(migrate up) ;;
*) usage ;;
esac

[[ ${DDOKSO_ENV:-} =~ ^(dev|prod)$ ]] || die "DDOKSO_ENV must be dev or prod"
env_file=${DDOKSO_ENV_FILE:-/etc/ddokso/$DDOKSO_ENV.env}
[[ -r $env_file ]] || die "env file $env_file is missing or unreadable"
[[ $READY_TIMEOUT =~ ^[0-9]+$ && $STOP_TIMEOUT =~ ^[0-9]+$ ]] || die "READY_TIMEOUT and STOP_TIMEOUT are seconds"

log "pulling $image"
"$DOCKER" pull --quiet "$image" >/dev/null || die "pull $image failed"

if [[ $service == migrate ]]; then
	# The migration runs detached under one fixed name: cancelling the
	# deploy (or losing its runner) stops only the `docker wait` below,
	# never a migration midway (MySQL DDL is not transactional), and the
	# next deploy first waits for a migration still running.
	name=$PREFIX-migrate
	if "$DOCKER" inspect --format '{{.State.Status}}' "$name" >/dev/null 2>&1; then
		log "waiting for the migration an earlier deploy left running"
		"$DOCKER" wait "$name" >/dev/null || true
		"$DOCKER" rm --force "$name" >/dev/null || true
	fi
	log "running migrate up"
	"$DOCKER" run --detach --name "$name" --env-file "$env_file" \
		--label "$PREFIX.service=migrate" "$image" "${args[@]}" >/dev/null || die "migrate up did not start"
	code=$("$DOCKER" wait "$name") || die "waiting for $name failed; it keeps running: docker logs $name"
	"$DOCKER" logs "$name" >&2 || true
	"$DOCKER" rm --force "$name" >/dev/null || true
	[[ $code == 0 ]] || die "migrate up failed (exit $code)"
	log "migrations applied"
	exit 0
fi

running() { [[ $("$DOCKER" inspect --format '{{.State.Running}}' "$1" 2>/dev/null || true) == true ]]; }

old=""
new=blue
if running "$PREFIX-$service-blue"; then
	old=blue new=green
elif running "$PREFIX-$service-green"; then
	old=green
fi
new_name=$PREFIX-$service-$new
old_name=${old:+$PREFIX-$service-$old}
if [[ $new == blue ]]; then port=$((base + 1)); else port=$((base + 2)); fi
ready_url=http://127.0.0.1:$port/readyz

ready() { "$CURL" --silent --fail --output /dev/null --max-time 3 "$1"; }

# wait_ready NAME URL: wait until the container answers /readyz, or fail
# early when it exits.
wait_ready() {
	local deadline=$((SECONDS + READY_TIMEOUT))
	while ((SECONDS < deadline)); do
		running "$1" || {
			log "$1 is not running: $("$DOCKER" inspect --format 'status={{.State.Status}} exit={{.State.ExitCode}}' "$1" 2>/dev/null || echo gone)"
			return 1
		}
		ready "$2" && return 0
		sleep "$READY_INTERVAL"
	done
	log "$1 not ready after ${READY_TIMEOUT}s"
	return 1
}

switched=false
remove_new() { "$DOCKER" rm --force "$new_name" >/dev/null 2>&1 || true; }
on_exit() {
	local rc=$?
	if [[ $switched == false && $rc -ne 0 ]]; then
		log "rolling back: removing $new_name; ${old_name:-nothing} keeps serving"
		remove_new
	fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# Settings the workflow passes (the ALB's VPC range for the API's
# X-Forwarded-For) override the env file's.
extra_env=()
if [[ -n ${DDOKSO_API_TRUSTED_PROXIES:-} ]]; then
	extra_env=(--env "DDOKSO_API_TRUSTED_PROXIES=$DDOKSO_API_TRUSTED_PROXIES")
fi

log "starting $new_name (${old_name:-no previous container}) on port $port"
remove_new # a stopped leftover of the deploy before last
"$DOCKER" run --detach --name "$new_name" --env-file "$env_file" \
	--env "DDOKSO_HTTP_ADDR=:8080" --env "DDOKSO_ADMIN_ADDR=:9090" "${extra_env[@]}" \
	--label "$PREFIX.service=$service" --label "$PREFIX.color=$new" --label "$PREFIX.image=$image" \
	--restart unless-stopped --publish "$addr:$port:$cport" \
	"$image" "${args[@]}" >/dev/null || die "docker run $new_name failed"

wait_ready "$new_name" "$ready_url" || die "$new_name did not become ready; see: docker logs $new_name"
log "$new_name is ready"

if [[ -n $old_name ]]; then
	log "stopping $old_name (drain up to ${STOP_TIMEOUT}s)"
	"$DOCKER" stop --time "$STOP_TIMEOUT" "$old_name" >/dev/null || die "stop $old_name failed"
fi
switched=true

# The new container must still be serving on its own.
if ! wait_ready "$new_name" "$ready_url"; then
	if [[ -n $old_name ]]; then
		log "rolling back to $old_name"
		"$DOCKER" start "$old_name" >/dev/null || die "restart $old_name failed: $service is down"
	fi
	remove_new
	die "$new_name failed after the switch; rolled back to ${old_name:-nothing}"
fi
log "done: $service runs $image as $new_name"
