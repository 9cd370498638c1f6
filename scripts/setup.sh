#!/usr/bin/env bash
# Installs what Pulso and its tests need on a fresh machine: npm packages, and (for the
# browser and Kafka tests) Debian's Chromium and the Kafka broker jars from Maven Central.
set -euo pipefail
cd "$(dirname "$0")/.."
# `npm install`, not `npm ci`: chdb lists platform packages for macOS and arm64 that the
# registry does not serve, so the lock file cannot hold them and `npm ci` refuses it.
echo "== npm install"
npm install --no-audit --no-fund
echo "== npm run build"
npm run build
bash scripts/test-deps.sh
