#!/usr/bin/env bash
# Runs the integration suite: checks prerequisites, fetches Kafka and Kafka Connect 3.9 through Maven, then runs
# the Go tests, which start and stop Kafka, Mosquitto, the connectd workers and the Java Connect workers of the
# interop scenarios themselves. Extra arguments go to `go test`
# (e.g. -run 'TestScenarios/steady').
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

missing=()
command -v go >/dev/null 2>&1 || missing+=("go (Go 1.26, see go.mod)")
command -v java >/dev/null 2>&1 || missing+=("a JDK 17: apt-get install -y openjdk-17-jdk-headless")
command -v javac >/dev/null 2>&1 || missing+=("javac, for the transformations' Java oracle: apt-get install -y openjdk-17-jdk-headless")
if [[ ! -f "$here/.cache/kafka-libs/.complete" || ! -f "$here/.cache/connect-libs/.complete" ]]; then
	command -v mvn >/dev/null 2>&1 || missing+=("Maven: apt-get install -y maven")
fi
command -v mosquitto >/dev/null 2>&1 || [[ -x /usr/sbin/mosquitto ]] || missing+=("Mosquitto: apt-get install -y mosquitto")
# TestConsole drives the web console in a headless Chromium (CHROMIUM names another binary).
[[ -x "${CHROMIUM:-/usr/bin/chromium}" ]] || missing+=("Chromium, for the web console's browser test: apt-get install -y chromium")
if ((${#missing[@]} > 0)); then
	echo "test-integration: missing prerequisites, install:" >&2
	printf '  - %s\n' "${missing[@]}" >&2
	exit 1
fi

# The fuzz targets need no Kafka: run them first, FUZZTIME each (test/fuzz.sh); FUZZTIME=0 skips them.
if [[ "${FUZZTIME:-}" != "0" ]]; then
	bash "$root/test/fuzz.sh"
fi

bash "$here/kafka.sh" fetch

# Should the test binary die without cleaning up (a -timeout panic), stop what it started.
cleanup() {
	local pf
	for pf in "$here"/.run/workers/*.pid; do
		[[ -f "$pf" ]] && kill -KILL "$(cat "$pf")" 2>/dev/null || true
		rm -f "$pf"
	done
	bash "$here/mosquitto.sh" stop all || true
	bash "$here/kafka.sh" stop || true
	# The spool-disk-full scenario's tmpfs volumes.
	awk -v p="$here/.run/" 'index($2, p) == 1 { print $2 }' /proc/mounts | xargs -r -n1 umount -l || true
}
trap cleanup EXIT

cd "$root"
# smtoracle: the transformations' differential against Kafka's own jar (TestSMTDifferential), no Kafka needed.
go test -tags integration -count=1 -timeout 45m -v "$@" ./test/integration/ ./test/integration/smtoracle/
