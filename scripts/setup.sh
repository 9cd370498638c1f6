#!/usr/bin/env bash
# Installs what Pulso and its tests need on a fresh machine: npm packages, and (for the
# browser and Kafka tests) Debian's Chromium and the Kafka broker jars from Maven Central.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== npm ci"
npm ci --no-audit --no-fund
