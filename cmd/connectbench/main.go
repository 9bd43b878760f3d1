// Command connectbench drives connectd's whole pipeline — MQTT publishers → broker → connectd workers (separate
// processes) → Kafka → a consumer — and measures it against the limits of the same machine, measured in the
// same run: a bare paho subscriber on the same broker and topics, and bare sarama producers configured as
// connectd's task producers into the same Kafka; and, as the framework baseline, the simplest bridges that do
// a source task's whole job without a framework (Go: paho → sarama; C: mosquitto_sub | kcat). Every rate is
// then also a ratio, which holds on a noisy machine.
//
// It measures messages/s, MB/s and end-to-end latency (p50/p95/p99, from a timestamp in each payload) at the
// maximum rate for QoS 0 and 1, two payload sizes, one worker with one task and three workers with three
// tasks; latency at half the maximum rate; each worker's CPU and peak RSS; the time from process start to a
// REST answer; failover after kill -9; GET /connectors?expand=status with 1,000 connectors; and, at scale, 1,000
// connectors with 3,000 tasks on three workers (time to RUNNING, memory and goroutines per worker, the listing,
// a full rebalance after kill -9). On brokers
// with their default settings (Mosquitto's own, and Mosquitto set like EMQX's defaults), which drop what
// exceeds a session's queue, it finds the highest open-loop QoS 1 rate a bare subscriber and connectd each
// sustain without losing a message. It writes the results as JSON and markdown to bench/results/ (see
// bench/README.md).
//
//	connectbench [flags]
//
// By default Kafka and the MQTT broker are in-process, built by the constructors `connectd dev` and the tests
// use (worker/localkafka, connector/mqtt/mqttbroker); --kafka and --mqtt point at real ones. `make bench-load`
// builds bin/connectd and runs the whole matrix.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	metrics "github.com/rcrowley/go-metrics"
)

// options are the command-line flags.
type options struct {
	connectd     string
	connector    string
	kafka        string
	mqtt         string
	publishers   int
	window       int
	inflight     int
	lossTimeout  time.Duration
	brokerDefs   []string
	warmup       time.Duration
	steady       time.Duration
	rounds       int
	idleSettle   time.Duration
	qos          []int
	sinkQoS      []int
	pipes        []pipe
	sizes        []int
	tasks        []int
	halfRate     bool
	restReady    int
	failover     int
	failoverRate float64
	connectors   int
	scale        []int
	burst        int
	slowKafka    time.Duration
	listRequests int
	converter    string
	profile      string
	profileQoS   int
	out          string
	keep         bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("connectbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: connectbench [flags]\n\nRuns the load matrix against connectd and writes bench/results/.\n\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.connectd, "connectd", "bin/connectd", "connectd binary the workers run (make build)")
	fs.StringVar(&o.connector, "connector", "testdata/mqtt-connector.json", "the connector config to run; broker, topic, filter, QoS and tasks.max are set per case")
	fs.StringVar(&o.kafka, "kafka", "", "bootstrap servers host:port,... of a real Kafka (default: in-process kfake, 3 brokers)")
	fs.StringVar(&o.mqtt, "mqtt", "", "MQTT broker: tcp://host:port, or 'mosquitto' to start the machine's mosquitto (default: connectd's in-process broker, connector/mqtt/mqttbroker)")
	fs.IntVar(&o.publishers, "publishers", 4, "MQTT publisher connections")
	fs.IntVar(&o.window, "window", 1000, "messages in flight from publish to the sink at most; the load is as fast as the pipeline drains")
	fs.IntVar(&o.inflight, "inflight", 1000, "max_inflight_messages of the Mosquitto --mqtt mosquitto starts")
	fs.DurationVar(&o.lossTimeout, "loss-timeout", 2*time.Second, "a published message not at the sink this long after its publish is given up: its window slot is freed and it counts as lost unless it arrives later")
	brokerDefs := fs.String("broker-defaults", "mosquitto,emqx", "broker-default cases: the highest open-loop QoS 1, 1 KB rate a bare subscriber and connectd (--tasks topologies) "+
		"sustain without loss on a Mosquitto the harness starts, mosquitto with its default configuration, emqx set like EMQX's defaults (empty: skip)")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "load before the steady window, not measured")
	fs.DurationVar(&o.steady, "steady", 3*time.Second, "measured window of each run")
	fs.IntVar(&o.rounds, "rounds", 2, "runs of each pipeline per matrix cell, interleaved; the fastest counts")
	fs.DurationVar(&o.idleSettle, "idle-settle", 2*time.Second, "wait after a worker is healthy before reading its idle memory")
	qos := fs.String("qos", "0,1", "QoS levels of the matrix")
	sinkQoS := fs.String("sink", "0,1", "QoS levels of the MQTT sink cases (Kafka → MQTT, 1 KB, the --tasks topologies): connectd's MQTT sink connector against a bare Go consumer → publisher bridge (empty: skip)")
	pipes := fs.String("pipelines", "mqtt,kafka,go-bridge,c-bridge,connectd", "source pipelines each cell of the matrix runs: mqtt (bare subscriber), kafka (bare producer), "+
		"go-bridge (paho → sarama, no framework), c-bridge (mosquitto_sub | kcat, skipped when not installed), connectd")
	sizes := fs.String("sizes", "200,1024", "payload sizes of the matrix, bytes")
	tasks := fs.String("tasks", "1,3", "topologies of the matrix: N workers running a connector with tasks.max=N")
	fs.BoolVar(&o.halfRate, "half-rate", true, "measure latency at half the maximum rate (QoS levels of --qos, 1 KB, 1 task; needs 1024 in --sizes and 1 in --tasks)")
	fs.IntVar(&o.restReady, "rest-ready", 5, "worker starts timed to their first REST answer (0: skip)")
	fs.IntVar(&o.failover, "failover", 3, "kill -9 failovers timed (0: skip)")
	fs.Float64Var(&o.failoverRate, "failover-rate", 1000, "QoS 1 messages per second published during failover")
	fs.IntVar(&o.burst, "burst", 50000, "QoS 1 1 KB messages of the open-loop burst into one task, published as fast as the publishers can with no window (0: skip)")
	fs.DurationVar(&o.slowKafka, "slow-kafka", 500*time.Millisecond, "the burst again into a slow Kafka: the in-process Kafka answers every produce request this late (0: skip; ignored with --kafka)")
	fs.IntVar(&o.connectors, "connectors", 1000, "connectors for the GET /connectors?expand=status latency (0: skip)")
	scale := fs.String("scale", "1000", "scale phase: connectors (half FileStreamSource with one task, half MQTT source with five) on three workers of their own, for each size of the comma list (0: skip; see bench/README.md)")
	fs.IntVar(&o.listRequests, "list-requests", 200, "GET /connectors?expand=status requests timed")
	fs.StringVar(&o.converter, "converter", "json", "the connector's value.converter: json (the user's JsonConverter) or bytes (ByteArrayConverter)")
	fs.StringVar(&o.profile, "profile", "", "directory for the first worker's CPU, heap and allocs profiles over 10 s of --profile-qos, 1 KB at maximum rate, for each --tasks topology (a run of its own; tN- files for N tasks)")
	fs.IntVar(&o.profileQoS, "profile-qos", 0, "QoS of the --profile runs (0 or 1: QoS 1 adds the acknowledgements after Kafka's)")
	fs.StringVar(&o.out, "out", "bench/results", "directory for <UTC time>.json, <UTC time>.md and latest.md (empty: print only)")
	fs.BoolVar(&o.keep, "keep", false, "keep the run directory (worker properties and logs) after a successful run")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if o.qos, err = intList(*qos, "qos", 0, 1); err != nil {
		return o, err
	}
	if o.sinkQoS, err = intList(*sinkQoS, "sink", 0, 1); err != nil {
		return o, err
	}
	if o.pipes, err = parsePipes(*pipes); err != nil {
		return o, err
	}
	if o.scale, err = intList(*scale, "scale", 0, 10000); err != nil {
		return o, err
	}
	// The sizes run from the smallest, each once, and the goals grade the largest.
	o.scale = slices.DeleteFunc(o.scale, func(n int) bool { return n == 0 })
	slices.Sort(o.scale)
	o.scale = slices.Compact(o.scale)
	if o.sizes, err = intList(*sizes, "sizes", minPayloadSize, 1<<20); err != nil {
		return o, err
	}
	if o.tasks, err = intList(*tasks, "tasks", 1, 16); err != nil {
		return o, err
	}
	for name := range strings.SplitSeq(*brokerDefs, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		if _, ok := mosquittoProfiles[name]; !ok {
			return o, fmt.Errorf("--broker-defaults: %q is not mosquitto or emqx", name)
		}
		if !slices.Contains(o.brokerDefs, name) {
			o.brokerDefs = append(o.brokerDefs, name)
		}
	}
	// Workers are only ever added, so the topologies run from the smallest.
	slices.Sort(o.tasks)
	o.tasks = slices.Compact(o.tasks)
	switch {
	case o.publishers < 1:
		return o, errors.New("--publishers must be at least 1")
	case o.rounds < 1:
		return o, errors.New("--rounds must be at least 1")
	case o.window < 1:
		return o, errors.New("--window must be at least 1")
	case o.inflight < 1:
		return o, errors.New("--inflight must be at least 1")
	case o.lossTimeout < 10*time.Millisecond:
		return o, errors.New("--loss-timeout must be at least 10ms")
	case o.steady <= 0 || o.warmup < 0:
		return o, errors.New("--steady must be positive and --warmup not negative")
	case o.converter != "json" && o.converter != "bytes":
		return o, errors.New("--converter must be json or bytes")
	case o.burst < 0:
		return o, errors.New("--burst must not be negative")
	case o.slowKafka < 0:
		return o, errors.New("--slow-kafka must not be negative")
	case o.failoverRate <= 0:
		return o, errors.New("--failover-rate must be positive")
	case o.listRequests < 1:
		return o, errors.New("--list-requests must be at least 1")
	case o.profileQoS != 0 && o.profileQoS != 1:
		return o, errors.New("--profile-qos must be 0 or 1")
	}
	return o, nil
}

// intList parses a comma list of integers in [lo, hi].
func intList(s, name string, lo, hi int) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < lo || n > hi {
			return nil, fmt.Errorf("--%s: %q is not a number from %d to %d", name, f, lo, hi)
		}
		out = append(out, n)
	}
	return out, nil
}

func main() {
	// As in connectd: the baseline producer must not pay for sarama's go-metrics when the workers do not.
	metrics.UseNilMetrics = true
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == roleMQTT || args[0] == roleKafka || args[0] == roleBridge || args[0] == roleGoBridge) {
		return runBaseline(args[0], args[1:], os.Stdin, stdout, stderr)
	}
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "connectbench:", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	b, err := newBench(o, log)
	if err != nil {
		fmt.Fprintln(stderr, "connectbench:", err)
		return 1
	}
	rep, err := b.Run(ctx)
	md := rep.Markdown()
	fmt.Fprint(stdout, md)
	if werr := writeResults(o.out, rep, md); werr != nil {
		fmt.Fprintln(stderr, "connectbench:", werr)
		return 1
	}
	if err != nil || len(rep.Errors) > 0 || o.keep {
		fmt.Fprintln(stderr, "connectbench: worker properties and logs are in", b.dir)
	} else {
		_ = os.RemoveAll(b.dir) // best effort: a temp dir left behind is harmless
	}
	if err != nil {
		fmt.Fprintln(stderr, "connectbench:", err)
		return 1
	}
	return 0
}

// runBaseline runs the harness binary in one of its baseline roles (a process the harness starts).
func runBaseline(role string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// An interrupt is the terminal's, meant for the harness, which stops its children itself.
	signal.Ignore(os.Interrupt)
	var err error
	switch role {
	case roleMQTT:
		err = runBaselineMQTT(args, stdin, stdout)
	case roleBridge:
		err = runBaselineBridge(args, stdin, stdout)
	case roleGoBridge:
		err = runBaselineGoBridge(args, stdin, stdout)
	default:
		err = runBaselineKafka(args, stdin, stdout)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		fmt.Fprintf(stderr, "connectbench %s: %v\n", role, err)
		return 1
	}
	return 0
}

// writeResults writes <UTC time>.json and .md into dir, and the markdown again as latest.md.
func writeResults(dir string, rep *Report, md string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	stamp := rep.Started.UTC().Format("20060102T150405Z")
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	for name, body := range map[string][]byte{stamp + ".json": append(js, '\n'), stamp + ".md": []byte(md), "latest.md": []byte(md)} {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			return err
		}
	}
	return nil
}
