#!/usr/bin/env bash
# Runs a Mosquitto instance for the integration suite (persistence under .run/mosquitto[-INSTANCE]):
#
#   mosquitto.sh start | stop | kill | restart | status | clean [INSTANCE]
#
#   tuned     (the default) mosquitto.conf, 127.0.0.1:11883: 1,000 in flight, 200,000 queued per session
#   defaults  mosquitto-defaults.conf, 127.0.0.1:11884: Mosquitto's defaults (20 in flight, 1,000 queued)
#   emqx      mosquitto-emqx.conf, 127.0.0.1:11885: EMQX's defaults (32 in flight, 1,000 queued)
#   all       every instance (stop, kill, status and clean only)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
instances=(tuned defaults emqx)

need() {
	if ! command -v mosquitto >/dev/null 2>&1 && [[ ! -x /usr/sbin/mosquitto ]]; then
		echo "mosquitto.sh: mosquitto not found: install it (apt-get install -y mosquitto)" >&2
		exit 1
	fi
}

bin() { command -v mosquitto 2>/dev/null || echo /usr/sbin/mosquitto; }

# use INSTANCE sets conf, run, pf and port for it; the port is the conf's listener.
use() {
	case "$1" in
	tuned)
		conf="$here/mosquitto.conf"
		run="${MOSQUITTO_RUN_DIR:-$here/.run/mosquitto}"
		;;
	defaults | emqx)
		conf="$here/mosquitto-$1.conf"
		run="$here/.run/mosquitto-$1"
		;;
	*)
		echo "mosquitto.sh: unknown instance $1 (${instances[*]})" >&2
		exit 2
		;;
	esac
	pf="$run/mosquitto.pid"
	port="$(awk '$1 == "listener" { print $2; exit }' "$conf")"
}

alive() { [[ -f "$pf" ]] && kill -0 "$(cat "$pf")" 2>/dev/null; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

start() {
	need
	alive && return 0
	mkdir -p "$run"
	# setsid keeps Mosquitto out of the caller's process group (see kafka.sh).
	(cd "$run" && exec setsid "$(bin)" -c "$conf" >>"$run/stdout.log" 2>&1 </dev/null) &
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

one() {
	use "$2"
	case "$1" in
	start) start ;;
	stop) stop TERM ;;
	kill) stop KILL ;;
	restart) stop TERM && start ;;
	status) if alive; then echo "mosquitto $2: running pid $(cat "$pf") port $port"; else echo "mosquitto $2: stopped"; fi ;;
	clean) stop KILL && rm -rf "$run" ;;
	*)
		sed -n '2,9p' "$0" >&2
		exit 2
		;;
	esac
}

instance="${2:-tuned}"
if [[ "$instance" == all ]]; then
	case "${1:-}" in
	stop | kill | status | clean) for i in "${instances[@]}"; do one "$1" "$i"; done ;;
	*)
		echo "mosquitto.sh: ${1:-} takes one instance, not all" >&2
		exit 2
		;;
	esac
else
	one "${1:-}" "$instance"
fi
