#!/usr/bin/env bash
# Installs the linters make test runs, when missing: cfn-lint (pip),
# actionlint (Go module proxy), shellcheck, and Chromium with a Korean
# font for the chart test (Debian packages).
set -euo pipefail

gobin=$(go env GOPATH)/bin
if ! command -v cfn-lint >/dev/null; then
  echo "ensure-tools: installing cfn-lint" >&2
  pip install --quiet 'cfn-lint>=1,<2'
fi
if ! command -v actionlint >/dev/null && [ ! -x "$gobin/actionlint" ]; then
  echo "ensure-tools: installing actionlint" >&2
  GOFLAGS='' go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
fi
if ! command -v shellcheck >/dev/null; then
  echo "ensure-tools: installing shellcheck" >&2
  (apt-get install -y -qq shellcheck >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq shellcheck; }) >/dev/null
fi
# Headless Chromium (and a Korean font) for the chart-rendering test.
if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi nanum; then
  echo "ensure-tools: installing chromium and fonts-nanum" >&2
  (apt-get install -y -qq chromium fonts-nanum >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium fonts-nanum; }) >/dev/null
fi
