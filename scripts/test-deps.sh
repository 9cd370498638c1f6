#!/usr/bin/env bash
# What the tests need beyond npm packages, installed when missing (each step is a no-op when
# already done): the Kafka broker jars from Maven Central and Debian's Chromium for the browser
# tests; and a fresh build of the dashboard. `npm test` runs this first, so on a fresh machine
# `npm install` then `npm test` is enough.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== kafka broker jars (Maven Central → .cache/kafka/libs)"
bash scripts/kafka/fetch.sh
echo "== chromium (browser tests of the dashboard; Debian's package, never a browser download)"
if [ -x /usr/bin/chromium ]; then
  echo "chromium already installed"
else
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi
echo "== dashboard build (dashboard/dist: the browser tests run against the current sources)"
npm run --silent build:dashboard
