#!/usr/bin/env bash
# `npm test`: type-check, then every test suite (vitest) on real engines.
# Services the tests need (a Kafka broker, Chromium) are started by their own global set-ups.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== typecheck"
npx tsc --noEmit -p tsconfig.json
echo "== tests"
npx vitest run "$@"
