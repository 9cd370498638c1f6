#!/usr/bin/env bash
# Installs what Pulso and its tests need on a fresh machine: npm packages, and (for the
# browser and Kafka tests) Debian's Chromium and the Kafka broker jars from Maven Central.
set -euo pipefail
cd "$(dirname "$0")/.."
# `npm install`, not `npm ci`: chdb lists platform packages for macOS and arm64 that the
# registry does not serve, so the lock file cannot hold them and `npm ci` refuses it.
echo "== npm install"
npm install --no-audit --no-fund
echo "== kafka broker jars (Maven Central → .cache/kafka/libs)"
bash scripts/kafka/fetch.sh
echo "== chromium (browser tests of the dashboard; Debian's package, never a browser download)"
if [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi
echo "== dashboard build (dashboard/dist, served by npm start)"
npm run build:dashboard
