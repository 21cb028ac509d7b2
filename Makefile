# ddokso — the two commands: `make run` (whole system, all-in-one, on local
# MariaDB + moto) and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO        ?= go
PKGS      ?= ./...
FUZZTIME  ?= 30s
TEST_TIMEOUT ?= 30m
export AWS_EC2_METADATA_DISABLED := true
GOBIN     := $(shell $(GO) env GOPATH)/bin

.PHONY: help
help:
	@echo "make run    - the whole system on local MariaDB + moto (API on :8080)"
	@echo "make test   - vet, go mod tidy -diff, staticcheck, cfn-lint, actionlint, shellcheck and go test -short -race with MariaDB + moto"
	@echo "make test-long - the long system runs make test skips (TestLong*: chaos, 1,000x2 on moto; bench smoke)"
	@echo "make fuzz   - every fuzz target for FUZZTIME (default 30s) each"
	@echo "make demo   - make run plus the demo shop: README \"Try it in five minutes\""
	@echo "make build  - bin/ddokso"
	@echo "make chaos  - the chaos harness, full profile (report in build/chaos)"
	@echo "make bench-scale - seed 500,000 products (once) and measure at that size into BENCHMARKS.md (SCALE=0.01: 1%)"
	@echo "make realpages - score extraction on the real-page corpus (REALPAGES_DIR: copies of its repositories)"

.PHONY: build
build:
	$(GO) build -trimpath -o bin/ddokso ./cmd/ddokso

.PHONY: db
db:
	@scripts/dev/ensure-mariadb.sh ddokso

.PHONY: tools
tools:
	@scripts/dev/ensure-tools.sh

.PHONY: lint
lint: tools
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet $(PKGS)
	$(GO) mod tidy -diff
	$(GO) tool staticcheck $(PKGS)
	cfn-lint infra/cloudformation/*.yaml
	PATH="$(GOBIN):$$PATH" actionlint
	shellcheck scripts/dev/*.sh scripts/deploy/*.sh .ci/run

.PHONY: test
test: db lint
	scripts/dev/with-moto.sh $(GO) test -short -race -count=1 -timeout $(TEST_TIMEOUT) $(PKGS)

# The long system runs: every test named TestLong* skips itself under -short
# (make test) and runs here: the chaos short profile and the 1,000 x 2
# exactly-once consumer run over moto; then the benchmarks' smoke run (every
# stage at tiny sizes, with moto and fauxqs: 1.5 minutes on a quiet
# machine). .ci/run runs it after make test.
.PHONY: test-long
test-long: db
	scripts/dev/with-moto.sh $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) -run '^TestLong' $(PKGS)
	scripts/dev/with-moto.sh $(GO) run ./internal/cmd/ddokso-bench -smoke -out $$(mktemp -t bench-smoke.XXXXXX.md)

.PHONY: run
run: db build
	@eval "$$(scripts/dev/dev-env.sh)" && \
	  echo "make run: API http://localhost:8080  (admin key and JWT secret in .dev.env)" && \
	  exec scripts/dev/with-moto.sh sh -c 'if curl -fsS "$$AWS_ENDPOINT_URL/moto-api/" >/dev/null 2>&1; then \
	    export DDOKSO_LOCAL_SES_EVENTS="$$AWS_ENDPOINT_URL"; fi; exec ./bin/ddokso run'

# make demo: make run plus the built-in demo shop on 127.0.0.1:8765 and
# DDOKSO_DEV_SHOP (README "Try it in five minutes"; scripts/dev/journey.sh).
.PHONY: demo
demo: db build
	@eval "$$(scripts/dev/dev-env.sh)" && \
	  echo "make demo: API http://localhost:8080, demo shop http://127.0.0.1:8765 (Ctrl-C stops all)" && \
	  exec scripts/dev/with-moto.sh scripts/dev/demo.sh

.PHONY: fuzz
fuzz:
	$(GO) test ./price -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./price -run '^$$' -fuzz '^FuzzParseDecimal$$' -fuzztime $(FUZZTIME)
	$(GO) test ./shopurl -run '^$$' -fuzz '^FuzzCanonicalize$$' -fuzztime $(FUZZTIME)
	$(GO) test ./extract -run '^$$' -fuzz '^FuzzExtract$$' -fuzztime $(FUZZTIME)
	$(GO) test ./fetch -run '^$$' -fuzz '^FuzzDetectBlock$$' -fuzztime $(FUZZTIME)

# make bench: every stage beside its baseline, written to BENCHMARKS.md (the
# hand-written tail after its keep marker stays). moto comes from
# with-moto.sh; rows 3 and 6 also start fauxqs (internal/emulator; installed from
# npm by scripts/dev/ensure-fauxqs.sh on first use). Row 6 seeds, selects and
# enqueues 1,000,000 products and receives them all back (-batch-verify=false
# skips that last, slow check). Sizes: BENCH_FLAGS (see go run
# ./internal/cmd/ddokso-bench -h), e.g. BENCH_FLAGS="-only 1,2".
BENCH_FLAGS ?=
.PHONY: bench
bench: db
	scripts/dev/with-moto.sh $(GO) run ./internal/cmd/ddokso-bench -out BENCHMARKS.md $(BENCH_FLAGS)

# make bench-scale (issue 18): builds the scale data set in its own database
# (ddokso_scale: 500,000 products, two years of history; about 25 minutes on
# 2 vCPUs, ~13 GB of data and indexes) unless a complete one of the same
# scale and seed is there, then measures API reads, the scrap worker, the
# batch tick, a day's cleanup (it deletes that day's repeats: the next run
# compacts the next day) and online DDL on it, into BENCHMARKS.md's "At
# ddokso.com's size" section. Both commands first set innodb_buffer_pool_size
# to 2 GiB (server-wide, until the server restarts; for the measurement
# SCALE_FLAGS=-buffer-pool-mib=0 keeps the server's), so the share of the
# data that fits in memory is the same on every machine; the report states
# the server's settings and the load average around each part.
# SCALE=0.01 builds and measures the 1% version (database ddokso_scale_0_01).
SCALE ?= 1
SCALE_DB ?= $(if $(filter 1,$(SCALE)),ddokso_scale,ddokso_scale_$(subst .,_,$(SCALE)))
SCALE_FLAGS ?=
.PHONY: bench-scale
bench-scale: db
	$(GO) run ./internal/cmd/ddokso-seed -db $(SCALE_DB) -scale $(SCALE) -reuse
	$(GO) run ./internal/cmd/ddokso-bench-scale -db $(SCALE_DB) -out BENCHMARKS.md $(SCALE_FLAGS)

# The chaos harness, full profile (N=10,000; see internal/chaos and internal/cmd/ddokso-chaos):
# about 10 minutes, on its own MariaDB, fauxqs (SQS, SNS) and moto (SES, the
# scheduler). CHAOS_FLAGS e.g. "-n 2000 -duration 2m". The short profile runs
# in `make test-long` as chaos.TestLongChaosShortProfile (about 2.5 minutes).
CHAOS_FLAGS ?=
.PHONY: chaos
chaos: db
	$(GO) run ./internal/cmd/ddokso-chaos -out build/chaos $(CHAOS_FLAGS)

# make realpages: extraction scored on real saved shop pages (the manifest
# internal/realpages/manifest.json names each page's repository, path and
# commit; no third-party HTML is committed). REALPAGES_DIR holds copies of
# those repositories (owner+name/repo bare git dirs, owner/name or name clones).
# Prints per-field accuracy, wrong prices and per-shop tables; every page's
# misses go to build/realpages/report.txt. REALPAGES_FLAGS e.g. "-partial".
REALPAGES_DIR ?= /work/.mirror
REALPAGES_FLAGS ?=
.PHONY: realpages
realpages:
	$(GO) run ./internal/cmd/ddokso-realpages -dir $(REALPAGES_DIR) -report build/realpages/report.txt $(REALPAGES_FLAGS)
