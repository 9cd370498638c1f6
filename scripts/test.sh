#!/usr/bin/env bash
# `npm test`: installs what the tests need when missing (scripts/test-deps.sh), type-checks, checks
# formatting and lint rules (biome.jsonc), checks which folder imports which (.dependency-cruiser.cjs), starts a Kafka broker unless
# PULSO_KAFKA_BROKERS names one, then runs every vitest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-deps.sh
echo "== typecheck"
npx tsc --noEmit -p tsconfig.json
echo "== typecheck dashboard (svelte-check)"
npm run --silent check:dashboard
echo "== format and lint (biome; npm run format fixes what it can)"
npx biome check .
echo "== layers (dependency-cruiser: which folder may import which, no import cycle)"
npm run --silent check:layers
# Every temporary folder of the run (the broker's, the tests' data folders and config files) is
# made under one folder, removed when the run ends: a test that forgets its own, or a run that is
# interrupted, leaves nothing behind in /tmp.
RUN_TMP="$(mktemp -d "${TMPDIR:-/tmp}/pulso-test-run-XXXXXX")"
export TMPDIR="$RUN_TMP"
KAFKA_TEST_DIR=""
cleanup() {
  if [ -n "$KAFKA_TEST_DIR" ]; then node --import tsx scripts/kafka/broker-cli.ts stop "$KAFKA_TEST_DIR" >/dev/null 2>&1 || true; fi
  rm -rf "$RUN_TMP"
}
trap cleanup EXIT
# The Kafka tests need a real broker: start one unless PULSO_KAFKA_BROKERS names one, stop it
# after. In CI a broker that cannot start fails the run; elsewhere each Kafka test file then
# tries a private broker of its own, and fails (never skips) if that cannot start either.
if [ -z "${PULSO_KAFKA_BROKERS:-}" ]; then
  echo "== kafka broker"
  KAFKA_TEST_DIR="$(mktemp -d "$RUN_TMP/kafka-XXXXXX")"
  if PULSO_KAFKA_BROKERS="$(node --import tsx scripts/kafka/broker-cli.ts start "$KAFKA_TEST_DIR")"; then
    export PULSO_KAFKA_BROKERS
    echo "kafka broker at $PULSO_KAFKA_BROKERS"
  elif [ "${CI:-}" = "true" ]; then
    echo "the Kafka broker could not start (CI=true): failing" >&2
    exit 1
  else
    echo "warning: the Kafka broker could not start; run bash scripts/setup.sh" >&2
  fi
fi
echo "== tests"
mkdir -p test-artifacts
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json "$@" || status=$?
# A plain closing line that any CI reader understands: "N passed, N failed[, N skipped]".
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-artifacts/vitest.json", "utf8"))
  const skipped = r.numPendingTests + r.numTodoTests
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""))
' || true
exit $status
