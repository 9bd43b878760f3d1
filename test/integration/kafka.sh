#!/usr/bin/env bash
# Runs a three-node Apache Kafka 3.9 KRaft cluster on loopback ports for the integration suite.
#
#   kafka.sh fetch          copy the Kafka jars from Maven (cached in ~/.m2) into .cache/kafka-libs, and the
#                           Kafka Connect 3.9 worker's jars (kafka/connect/pom.xml) into .cache/connect-libs
#   kafka.sh start          fetch if needed, format storage (first start only) and start nodes 1-3
#   kafka.sh start-node N   start node N (its storage must be formatted)
#   kafka.sh stop [N]       SIGTERM node N, or every node, and wait for it to exit
#   kafka.sh kill [N]       SIGKILL node N, or every node
#   kafka.sh status         print each node's state
#   kafka.sh clean          stop everything and remove the cluster's data
#
# Node N (1-3) combines broker and controller: clients on 127.0.0.1:1909N+1 (19092-19094), controllers on
# 127.0.0.1:1919N+1 (19192-19194). Replication factor 3, min.insync.replicas 2. State under .run/kafka.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
libs="$here/.cache/kafka-libs"
connect_libs="$here/.cache/connect-libs"
run="${KAFKA_RUN_DIR:-$here/.run/kafka}"
nodes=(1 2 3)

client_port() { echo $((19091 + $1)); }
controller_port() { echo $((19191 + $1)); }

need() {
	local missing=0
	if ! command -v java >/dev/null 2>&1; then
		echo "kafka.sh: java not found: install a JDK 17 (apt-get install -y openjdk-17-jdk-headless)" >&2
		missing=1
	fi
	if { [[ ! -f "$libs/.complete" ]] || [[ ! -f "$connect_libs/.complete" ]]; } && ! command -v mvn >/dev/null 2>&1; then
		echo "kafka.sh: mvn not found: install Maven (apt-get install -y maven)" >&2
		missing=1
	fi
	return $missing
}

# fetch_set POM_DIR DEST copies the runtime dependencies of POM_DIR/pom.xml into DEST once.
fetch_set() {
	local pom=$1 dest=$2
	if [[ -f "$dest/.complete" ]]; then
		return 0
	fi
	mkdir -p "$dest"
	echo "kafka.sh: fetching $(basename "$dest") from Maven into $dest" >&2
	(cd "$pom" && mvn -q -B -Dstyle.color=never dependency:copy-dependencies -Dlibs.dir="$dest")
	touch "$dest/.complete"
}

fetch() {
	need
	fetch_set "$here/kafka" "$libs"
	fetch_set "$here/kafka/connect" "$connect_libs"
}

pidfile() { echo "$run/$1/kafka.pid"; }

alive() {
	local pf
	pf="$(pidfile "$1")"
	[[ -f "$pf" ]] && kill -0 "$(cat "$pf")" 2>/dev/null
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_config() {
	local n=$1 dir="$run/$1"
	mkdir -p "$dir/data" "$dir/logs"
	local voters="" i
	for i in "${nodes[@]}"; do
		voters+="${voters:+,}$i@127.0.0.1:$(controller_port "$i")"
	done
	cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$(client_port "$n"),CONTROLLER://127.0.0.1:$(controller_port "$n")
advertised.listeners=PLAINTEXT://127.0.0.1:$(client_port "$n")
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=1
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
auto.create.topics.enable=true
group.initial.rebalance.delay.ms=0
log.segment.bytes=67108864
# A killed node must leave the ISR quickly so writes with acks=all carry on with two replicas.
replica.lag.time.max.ms=10000
unclean.leader.election.enable=false
PROPS
	cat >"$dir/log4j.properties" <<PROPS
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$dir/logs/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
PROPS
}

java_opts=(-Xms256m -Xmx768m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true)

format() {
	local id n
	id="$(java -cp "$libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null)"
	for n in "${nodes[@]}"; do
		write_config "$n"
		java "${java_opts[@]}" -Dlog4j.configuration="file:$run/$n/log4j.properties" -cp "$libs/*" \
			kafka.tools.StorageTool format -t "$id" -c "$run/$n/server.properties" --ignore-formatted \
			>>"$run/$n/logs/format.log" 2>&1
	done
	echo "$id" >"$run/cluster.id"
}

start_node() {
	local n=$1
	if alive "$n"; then
		return 0
	fi
	[[ -f "$run/$n/server.properties" ]] || { echo "kafka.sh: node $n is not formatted: run start" >&2; return 1; }
	# setsid: the node must not share the caller's process group, so a Ctrl-C in the suite's terminal reaches
	# the suite, which then stops the nodes in order.
	setsid java "${java_opts[@]}" -Dlog4j.configuration="file:$run/$n/log4j.properties" \
		-Dkafka.logs.dir="$run/$n/logs" -cp "$libs/*" kafka.Kafka "$run/$n/server.properties" \
		>>"$run/$n/logs/stdout.log" 2>&1 </dev/null &
	echo $! >"$(pidfile "$n")"
}

wait_ports() {
	local deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-120})) n
	for n in "$@"; do
		until port_open "$(client_port "$n")"; do
			if ! alive "$n"; then
				echo "kafka.sh: node $n exited; see $run/$n/logs/server.log" >&2
				return 1
			fi
			if ((SECONDS > deadline)); then
				echo "kafka.sh: node $n not listening after ${KAFKA_START_TIMEOUT:-120}s" >&2
				return 1
			fi
			sleep 0.2
		done
	done
}

signal_node() {
	local sig=$1 n=$2 pf pid
	pf="$(pidfile "$n")"
	[[ -f "$pf" ]] || return 0
	pid="$(cat "$pf")"
	if kill -0 "$pid" 2>/dev/null; then
		kill "-$sig" "$pid" 2>/dev/null || true
		local deadline=$((SECONDS + 60))
		while kill -0 "$pid" 2>/dev/null; do
			if ((SECONDS > deadline)); then
				echo "kafka.sh: node $n did not stop in 60s, killing it" >&2
				kill -KILL "$pid" 2>/dev/null || true
			fi
			sleep 0.1
		done
	fi
	rm -f "$pf"
}

pick() { if [[ $# -gt 0 && -n "$1" ]]; then echo "$1"; else echo "${nodes[@]}"; fi; }

check_node() {
	case "$1" in 1 | 2 | 3) ;; *) echo "kafka.sh: node must be 1, 2 or 3, not '$1'" >&2; exit 2 ;; esac
}

cmd="${1:-}"
shift || true
case "$cmd" in
fetch) fetch ;;
start)
	fetch
	mkdir -p "$run"
	[[ -f "$run/cluster.id" ]] || format
	for n in "${nodes[@]}"; do start_node "$n"; done
	wait_ports "${nodes[@]}"
	echo "kafka.sh: cluster up on 127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094" >&2
	;;
start-node)
	check_node "${1:-}"
	need
	start_node "$1"
	wait_ports "$1"
	;;
stop)
	# Controllers need a quorum to shut brokers down cleanly, so the last nodes stop in parallel.
	if [[ -n "${1:-}" ]]; then
		check_node "$1"
		signal_node TERM "$1"
	else
		for n in "${nodes[@]}"; do signal_node TERM "$n" & done
		wait
	fi
	;;
kill)
	for n in $(pick "${1:-}"); do
		check_node "$n"
		signal_node KILL "$n"
	done
	;;
status)
	for n in "${nodes[@]}"; do
		if alive "$n"; then
			echo "node $n: running pid $(cat "$(pidfile "$n")") port $(client_port "$n")"
		else
			echo "node $n: stopped"
		fi
	done
	;;
clean)
	for n in "${nodes[@]}"; do signal_node KILL "$n"; done
	rm -rf "$run"
	;;
*)
	sed -n '2,12p' "$0" >&2
	exit 2
	;;
esac
