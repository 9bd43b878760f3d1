#!/usr/bin/env bash
# Runs Mosquitto for the integration suite with test/integration/mosquitto.conf (127.0.0.1:11883, persistence
# under .run/mosquitto).
#
#   mosquitto.sh start | stop | kill | restart | status
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
run="${MOSQUITTO_RUN_DIR:-$here/.run/mosquitto}"
pf="$run/mosquitto.pid"
port=11883

need() {
	if ! command -v mosquitto >/dev/null 2>&1 && [[ ! -x /usr/sbin/mosquitto ]]; then
		echo "mosquitto.sh: mosquitto not found: install it (apt-get install -y mosquitto)" >&2
		exit 1
	fi
}

bin() { command -v mosquitto 2>/dev/null || echo /usr/sbin/mosquitto; }

alive() { [[ -f "$pf" ]] && kill -0 "$(cat "$pf")" 2>/dev/null; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

start() {
	need
	alive && return 0
	mkdir -p "$run"
	# setsid keeps Mosquitto out of the caller's process group (see kafka.sh).
	(cd "$run" && exec setsid "$(bin)" -c "$here/mosquitto.conf" >>"$run/stdout.log" 2>&1 </dev/null) &
	echo $! >"$pf"
	local deadline=$((SECONDS + 30))
	until port_open; do
		if ! alive; then
			echo "mosquitto.sh: mosquitto exited; see $run/mosquitto.log and $run/stdout.log" >&2
			return 1
		fi
		if ((SECONDS > deadline)); then
			echo "mosquitto.sh: not listening on 127.0.0.1:$port after 30s" >&2
			return 1
		fi
		sleep 0.1
	done
}

stop() {
	local sig=$1 pid
	[[ -f "$pf" ]] || return 0
	pid="$(cat "$pf")"
	if kill -0 "$pid" 2>/dev/null; then
		kill "-$sig" "$pid" 2>/dev/null || true
		local deadline=$((SECONDS + 30))
		while kill -0 "$pid" 2>/dev/null; do
			if ((SECONDS > deadline)); then
				kill -KILL "$pid" 2>/dev/null || true
			fi
			sleep 0.05
		done
	fi
	rm -f "$pf"
}

case "${1:-}" in
start) start ;;
stop) stop TERM ;;
kill) stop KILL ;;
restart) stop TERM && start ;;
status) if alive; then echo "mosquitto: running pid $(cat "$pf") port $port"; else echo "mosquitto: stopped"; fi ;;
clean) stop KILL && rm -rf "$run" ;;
*)
	sed -n '2,5p' "$0" >&2
	exit 2
	;;
esac
