#!/usr/bin/env bash
# Writes the golden files of the single message transforms with Kafka's own connect-transforms jar: compiles
# SmtOracle.java with javac into a temporary directory and runs it over every case file of
# connector/transforms/testdata/cases (see connector/transforms/transformtest for the format).
#
#   golden.sh [OUT_DIR]    default OUT_DIR: connector/transforms/testdata/golden
#
# The jars are those of the Kafka Connect 3.9 worker in test/integration/.cache/connect-libs, which
# `kafka.sh fetch` downloads through Maven when they are missing; CONNECT_LIBS names another directory of them.
# `make smt-golden` regenerates the cases (go run ./connector/transforms/internal/gencases), then runs this.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cases="$root/connector/transforms/testdata/cases"
out="${1:-$root/connector/transforms/testdata/golden}"

if [[ -n "${CONNECT_LIBS:-}" ]]; then
	libs="$CONNECT_LIBS"
else
	libs="$here/../.cache/connect-libs"
	if [[ ! -f "$libs/.complete" ]]; then
		bash "$here/../kafka.sh" fetch
	fi
fi
if ! command -v javac >/dev/null 2>&1; then
	echo "golden.sh: javac not found: install a JDK 17 (apt-get install -y openjdk-17-jdk-headless)" >&2
	exit 1
fi

build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
javac -encoding UTF-8 -d "$build" -cp "$libs/*" "$here/SmtOracle.java"
mkdir -p "$out"
rm -f "$out"/*.jsonl
# UTC: SimpleDateFormat and Values.parseString read and write times in the JVM's zone.
java -Duser.timezone=UTC -Dfile.encoding=UTF-8 -cp "$build:$libs/*" SmtOracle "$cases" "$out"
