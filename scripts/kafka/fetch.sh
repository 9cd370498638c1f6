#!/usr/bin/env bash
# Fetches the Apache Kafka broker's jars from Maven Central into .cache/kafka/libs (git-ignored).
# A second run finds them there (and in ~/.m2) and does nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
LIBS=.cache/kafka/libs
if [ -f "$LIBS/.complete" ]; then
  echo "kafka jars already in $LIBS"
  exit 0
fi
mkdir -p "$LIBS"
mvn -q -B -f scripts/kafka/pom.xml dependency:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$PWD/$LIBS"
ls "$LIBS"/kafka_2.13-*.jar >/dev/null
touch "$LIBS/.complete"
echo "kafka jars in $LIBS ($(ls "$LIBS" | wc -l) files)"
