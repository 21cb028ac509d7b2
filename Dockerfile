# syntax=docker/dockerfile:1.7
#
# ddokso: one static binary, one image for every role (api, workers, relay,
# migrate, infra). The command picks the role: `docker run IMAGE api`.
#
# No HEALTHCHECK: the distroless image has no shell or curl to run one.
# Health is checked from outside on the HTTP endpoints instead: /readyz on
# DDOKSO_HTTP_ADDR (api, :8080) or DDOKSO_ADMIN_ADDR (workers and relay,
# :9090), by scripts/deploy/rollout.sh during a deploy and by the load
# balancer's target-group health check in production.

FROM golang:1.26 AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-mod=readonly
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags="-s -w" -o /ddokso ./cmd/ddokso

# static-debian12 carries CA certificates and tzdata (Asia/Seoul schedules).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /ddokso /ddokso
USER nonroot
# 8080: API (DDOKSO_HTTP_ADDR); 9090: admin /healthz /readyz /metrics (DDOKSO_ADMIN_ADDR).
EXPOSE 8080 9090
ENTRYPOINT ["/ddokso"]
CMD ["run"]
