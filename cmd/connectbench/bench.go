package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/connectd/connectd/worker/config"
	"github.com/connectd/connectd/worker/kafkalog"
)

// dataPartitions is the partition count of every data topic, as the user's vehicle-data.
const dataPartitions = 3

// bench is one harness run: the Kafka and MQTT it measures against, the worker processes, the report.
type bench struct {
	o          options
	log        *slog.Logger
	dir        string // worker properties and logs
	kafka      *kafkaSide
	mq         *mqttSide
	defBrokers map[string]*mqttSide // the broker-default cases' Mosquittos, by --broker-defaults name
	// lastLossless is the bare subscriber's lossless rate the last broker-default cell found, where the next
	// one's search starts.
	lastLossless float64
	cTools       *cBridgeTools // the C bridge's programs; nil when it does not run
	rc           *restClient
	connCfg      map[string]any    // the user's connector config
	propsFile    string            // b.props as a file, for the Kafka baseline's producers
	group        string            // the workers' group, new for every run
	props        map[string]string // a worker's properties, for the report
	workers      []*workerProc
	seq          int
	rep          *Report
}

func newBench(o options, log *slog.Logger) (*bench, error) {
	raw, err := os.ReadFile(o.connector)
	if err != nil {
		return nil, fmt.Errorf("connector config: %w", err)
	}
	var doc struct {
		Config map[string]any `json:"config"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil || doc.Config == nil {
		return nil, fmt.Errorf("connector config %s: want {\"name\":…,\"config\":{…}}: %v", o.connector, err)
	}
	if _, err := os.Stat(o.connectd); err != nil {
		return nil, fmt.Errorf("connectd binary: %w (build it with 'make build' or pass --connectd)", err)
	}
	dir, err := os.MkdirTemp("", "connectbench-")
	if err != nil {
		return nil, err
	}
	b := &bench{o: o, log: log, dir: dir, rc: newRESTClient(), connCfg: doc.Config,
		group: "connectbench-" + strconv.FormatInt(time.Now().Unix(), 36)}
	b.rep = &Report{Started: time.Now().UTC(), Machine: describeMachine()}
	return b, nil
}

// Run measures everything the options ask for. Failures of single measurements are recorded in the report
// and the run goes on; an error is returned only when nothing can be measured.
func (b *bench) Run(ctx context.Context) (*Report, error) {
	start := time.Now()
	defer func() { b.rep.WallSec, b.rep.Machine.LoadEnd = time.Since(start).Seconds(), loadAverage() }()
	var err error
	if b.kafka, err = startKafka(b.o.kafka); err != nil {
		return b.rep, err
	}
	defer b.kafka.close()
	if b.mq, err = startMQTT(b.o.mqtt, b.o.inflight, b.dir); err != nil {
		return b.rep, err
	}
	defer b.mq.close()
	defer b.closeDefaultsBrokers()
	b.rep.Machine.Broker, b.rep.Machine.Kafka = b.mq.kind, b.kafka.kind
	defer b.stopWorkers()

	b.props = workerProps(b.kafka.brokers, b.group, b.kafka.replication, 0)
	cfg, _, err := config.ParseConfig(b.props)
	if err != nil {
		return b.rep, fmt.Errorf("worker config: %w", err)
	}
	if _, err := cfg.SaramaConfig("producer"); err != nil {
		return b.rep, fmt.Errorf("task producer config: %w", err)
	}
	b.propsFile = filepath.Join(b.dir, "bench.properties")
	if err := writeProperties(b.propsFile, b.props); err != nil {
		return b.rep, err
	}
	conv := "JsonConverter, schemas.enable=false (the user's)"
	if b.o.converter == "bytes" {
		conv = "ByteArrayConverter"
	}
	b.rep.Settings = Settings{Publishers: b.o.publishers, Window: b.o.window, Warmup: b.o.warmup.String(),
		Steady: b.o.steady.String(), Rounds: b.o.rounds, Converter: conv, WorkerConfig: map[string]string{
			"session.timeout.ms":               b.props["session.timeout.ms"],
			"heartbeat.interval.ms":            b.props["heartbeat.interval.ms"],
			"scheduled.rebalance.max.delay.ms": b.props["scheduled.rebalance.max.delay.ms"],
		}}
	b.setupFramework()

	if b.o.restReady > 0 {
		b.note(b.measureRESTReady(ctx), "REST ready")
	}
	for _, tasks := range b.o.tasks {
		if ctx.Err() != nil {
			break
		}
		if err := b.ensureWorkers(ctx, tasks); err != nil {
			b.note(err, "start workers")
			break
		}
		for _, qos := range b.o.qos {
			for _, size := range b.o.sizes {
				b.note(b.measureCase(ctx, byte(qos), size, tasks), "case")
			}
		}
		if tasks == 1 && b.o.halfRate && slices.Contains(b.o.sizes, goalSize) {
			for _, qos := range b.o.qos {
				b.note(b.measureHalfRate(ctx, byte(qos), goalSize, tasks), "half rate")
			}
		}
		if b.o.profile != "" {
			b.note(b.measureProfile(ctx, tasks), "profile")
		}
		for _, name := range b.o.brokerDefs {
			b.note(b.measureBrokerCase(ctx, name, tasks), "broker defaults")
		}
		for _, qos := range b.o.sinkQoS {
			b.note(b.measureSinkCase(ctx, byte(qos), goalSize, tasks), "sink")
		}
	}
	if b.o.burst > 0 && ctx.Err() == nil {
		if err := b.ensureWorkers(ctx, max(1, len(b.workers))); err != nil {
			b.note(err, "start workers")
		} else {
			b.note(b.measureBurst(ctx), "burst")
			if b.o.slowKafka > 0 && b.kafka.cluster != nil && ctx.Err() == nil {
				b.note(b.measureSlowBurst(ctx), "burst into a slow Kafka")
			}
		}
	}
	if b.o.failover > 0 && ctx.Err() == nil {
		if err := b.ensureWorkers(ctx, 3); err != nil {
			b.note(err, "start workers")
		} else {
			b.note(b.measureFailover(ctx), "failover")
		}
	}
	if b.o.connectors > 0 && ctx.Err() == nil {
		if err := b.ensureWorkers(ctx, max(1, len(b.workers))); err != nil {
			b.note(err, "start workers")
		} else {
			b.note(b.measureList(ctx), "list")
		}
	}
	if len(b.o.scale) > 0 && ctx.Err() == nil {
		b.note(b.measureScales(ctx), "scale")
	}
	b.rep.evaluateGoals()
	return b.rep, ctx.Err()
}

// note records a measurement's failure in the report.
func (b *bench) note(err error, what string) {
	if err == nil {
		return
	}
	b.log.Error("measurement failed", "what", what, "err", err)
	b.rep.Errors = append(b.rep.Errors, what+": "+err.Error())
}

// newWorker prepares (does not start) a worker process in group.
func (b *bench) newWorker(name, group string) (*workerProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	return &workerProc{name: name, bin: b.o.connectd, dir: b.dir, port: port,
		props: workerProps(b.kafka.brokers, group, b.kafka.replication, port)}, nil
}

// ensureWorkers starts workers until n run in the bench's group, and measures each new one idle.
func (b *bench) ensureWorkers(ctx context.Context, n int) error {
	var fresh []*workerProc
	for len(b.workers) < n {
		w, err := b.newWorker(fmt.Sprintf("w%d", len(b.workers)+1), b.group)
		if err != nil {
			return err
		}
		if len(b.workers) == 0 && b.o.profile != "" {
			port, err := freePort()
			if err != nil {
				return err
			}
			w.pprof = fmt.Sprintf("127.0.0.1:%d", port)
		}
		if err := w.start(); err != nil {
			return err
		}
		b.workers = append(b.workers, w)
		fresh = append(fresh, w)
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	healthy := make([]time.Time, len(fresh))
	for i, w := range fresh {
		at, err := w.waitHealthy(wctx, b.rc)
		if err != nil {
			return err
		}
		healthy[i] = at
	}
	if len(fresh) == 0 {
		return nil
	}
	// Let startup garbage settle (a GC cycle, the group's rebalance) before reading the idle footprint.
	select {
	case <-time.After(b.o.idleSettle):
	case <-ctx.Done():
		return ctx.Err()
	}
	for i, w := range fresh {
		s, err := readProc(w.pid())
		if err != nil {
			return err
		}
		b.rep.Idle = append(b.rep.Idle, WorkerIdle{Name: w.name, HealthyMs: ms(healthy[i].Sub(w.started)),
			IdleRSSMB: mb(s.RSS), StartPeakMB: mb(s.HWM)})
		b.log.Info("worker idle", "worker", w.name, "rss_mb", mb(s.RSS), "peak_mb", mb(s.HWM))
	}
	return nil
}

func (b *bench) stopWorkers() {
	var wg sync.WaitGroup
	for _, w := range b.workers {
		wg.Go(func() { w.stop(30 * time.Second) })
	}
	wg.Wait()
}

func (b *bench) liveWorkers() []*workerProc {
	var ws []*workerProc
	for _, w := range b.workers {
		if w.running() {
			ws = append(ws, w)
		}
	}
	return ws
}

// measureCase runs the pipelines of --pipelines (the two baselines, the bridges, connectd) for one cell of the
// matrix, --rounds times in turn, and keeps each pipeline's fastest run: on a shared machine other load only
// ever slows a run down, so the best of interleaved rounds is the closest to what each pipeline can do,
// measured under the same conditions.
func (b *bench) measureCase(ctx context.Context, qos byte, size, tasks int) error {
	c := Case{QoS: int(qos), Size: size, Workers: tasks, Tasks: tasks}
	best, errs := b.bestOfRounds(ctx, qos, size, tasks, b.o.pipes...)
	c.MQTT, c.Kafka, c.Connectd = best[pipeMQTT], best[pipeKafka], best[pipeConnectd]
	c.GoBridge, c.CBridge = best[pipeGoBridge], best[pipeCBridge]
	ok := func(r *Run) bool { return r != nil && r.Err == "" }
	if ok(c.MQTT) && ok(c.Kafka) && ok(c.Connectd) {
		if low := min(c.MQTT.Rate, c.Kafka.Rate); low > 0 {
			c.Ratio = c.Connectd.Rate / low
		}
	}
	if ok(c.Connectd) && ok(c.GoBridge) && c.GoBridge.Rate > 0 {
		c.RatioGoBridge = c.Connectd.Rate / c.GoBridge.Rate
	}
	if ok(c.Connectd) && ok(c.CBridge) && c.CBridge.Rate > 0 {
		c.RatioCBridge = c.Connectd.Rate / c.CBridge.Rate
	}
	b.rep.Cases = append(b.rep.Cases, c)
	rate := func(r *Run) int {
		if r == nil {
			return 0
		}
		return int(r.Rate)
	}
	b.log.Info("case", "qos", qos, "size", size, "tasks", tasks, "mqtt_baseline", rate(c.MQTT),
		"kafka_baseline", rate(c.Kafka), "go_bridge", rate(c.GoBridge), "c_bridge", rate(c.CBridge),
		"connectd", rate(c.Connectd), "ratio", fmt.Sprintf("%.2f", c.Ratio))
	return errors.Join(errs...)
}

// bestOfRounds runs each of pipes in turn, --rounds times, and returns each one's fastest run (a failed run
// only when every run of it failed) with the errors of the failed runs.
func (b *bench) bestOfRounds(ctx context.Context, qos byte, size, tasks int, pipes ...pipe) (map[pipe]*Run, []error) {
	best := map[pipe]*Run{}
	var errs []error
	for range b.o.rounds {
		for _, p := range pipes {
			run, err := b.run(ctx, runSpec{pipe: p, qos: qos, size: size, tasks: tasks, steady: b.o.steady})
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", p, err))
				if best[p] == nil {
					best[p] = &Run{Err: err.Error()}
				}
				continue
			}
			if best[p] == nil || best[p].Err != "" || run.Rate > best[p].Rate {
				best[p] = run
			}
		}
	}
	return best, errs
}

// measureHalfRate runs connectd at half the maximum rate this run measured for the same case.
func (b *bench) measureHalfRate(ctx context.Context, qos byte, size, tasks int) error {
	var maxRate float64
	for _, c := range b.rep.Cases {
		if c.QoS == int(qos) && c.Size == size && c.Tasks == tasks && c.Connectd != nil && c.Connectd.Err == "" {
			maxRate = c.Connectd.Rate
		}
	}
	h := HalfRate{QoS: int(qos), Size: size, Tasks: tasks}
	defer func() { b.rep.HalfRate = append(b.rep.HalfRate, h) }()
	if maxRate == 0 {
		h.Run = &Run{Err: "no maximum rate measured"}
		return fmt.Errorf("QoS %d, %d B, %d tasks: no maximum rate measured", qos, size, tasks)
	}
	// The baselines at the same rate tell what the machine and the harness add to any pipeline's latency.
	var errs []error
	for _, p := range []pipe{pipeMQTT, pipeKafka, pipeConnectd} {
		run, err := b.run(ctx, runSpec{pipe: p, qos: qos, size: size, tasks: tasks, rate: maxRate / 2, steady: b.o.steady})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
			run = &Run{Err: err.Error()}
		}
		switch p {
		case pipeMQTT:
			h.MQTT = run
		case pipeKafka:
			h.Kafka = run
		case pipeConnectd:
			h.Run = run
		}
	}
	b.log.Info("half rate", "qos", qos, "size", size, "target", int(h.Run.Target), "rate", int(h.Run.Rate),
		"p50_ms", h.Run.Latency.P50, "p99_ms", h.Run.Latency.P99, "mqtt_p99_ms", h.MQTT.Latency.P99, "kafka_p99_ms", h.Kafka.Latency.P99)
	return errors.Join(errs...)
}

// measureProfile drives the --profile-qos, 1 KB case of a topology at maximum rate in a run of its own and takes the
// first worker's CPU profile over 10 s of it, its heap profile, and its allocation profile before and after.
// The files of the one-task case are cpu.pprof and so on; those of n tasks on n workers are prefixed tn-.
func (b *bench) measureProfile(ctx context.Context, tasks int) error {
	w := b.workers[0]
	prefix := ""
	if tasks > 1 {
		prefix = fmt.Sprintf("t%d-", tasks)
	}
	if err := os.MkdirAll(b.o.profile, 0o755); err != nil {
		return err
	}
	var files []string
	var perr error
	_, err := b.run(ctx, runSpec{pipe: pipeConnectd, qos: byte(b.o.profileQoS), size: goalSize, tasks: tasks, steady: 11 * time.Second,
		onSteady: func(ctx context.Context) {
			// allocs is cumulative since the process started: the one taken first is the base that isolates
			// the profiled window (go tool pprof -base allocs-start.pprof allocs.pprof).
			for _, p := range []struct{ name, path string }{
				{"allocs-start.pprof", "/debug/pprof/allocs"},
				{"cpu.pprof", "/debug/pprof/profile?seconds=10"},
				{"heap.pprof", "/debug/pprof/heap"},
				{"allocs.pprof", "/debug/pprof/allocs"},
			} {
				file := filepath.Join(b.o.profile, prefix+p.name)
				if err := fetchTo(ctx, "http://"+w.pprof+p.path, file); err != nil {
					perr = err
					return
				}
				files = append(files, file)
			}
		}})
	b.rep.Profiles = append(b.rep.Profiles, files...)
	return errors.Join(err, perr)
}

// fetchTo saves the body of GET url as file. A fetch that fails leaves no file behind, not even part of one.
func fetchTo(ctx context.Context, url, file string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(file) // best effort: the error says what went wrong
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}

// backgroundFetch is a fetchTo running while its owner does something else, such as a CPU profile over the
// owner's next seconds. The owner defers stop right after starting it, so the fetch ends with the owner on
// every path, and calls wait where it needs the file.
type backgroundFetch struct {
	file   string
	cancel context.CancelFunc
	done   chan struct{}
	err    error // set before done is closed
}

func startFetch(ctx context.Context, url, file string) *backgroundFetch {
	ctx, cancel := context.WithCancel(ctx)
	f := &backgroundFetch{file: file, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(f.done)
		f.err = fetchTo(ctx, url, file)
	}()
	return f
}

// wait waits for the fetch to finish and returns its error.
func (f *backgroundFetch) wait() error {
	<-f.done
	return f.err
}

// stop cancels the fetch, unless it is over, and waits for it to end. It is a no-op after wait.
func (f *backgroundFetch) stop() {
	f.cancel()
	<-f.done
}

// pipe is what a run measures between the load and the sink.
type pipe int

const (
	pipeMQTT     pipe = iota // publishers → broker → paho subscribers
	pipeKafka                // sarama producers → Kafka → consumer
	pipeConnectd             // publishers → broker → connectd → Kafka → consumer
	pipeBridge               // producers → Kafka → bare consumer → paho publisher → broker → subscribers
	pipeSink                 // producers → Kafka → connectd's MQTT sink → broker → subscribers
	pipeGoBridge             // publishers → broker → the Go bridge (paho → sarama) → Kafka → consumer
	pipeCBridge              // publishers → broker → the C bridge (mosquitto_sub | kcat) → Kafka → consumer
)

func (p pipe) String() string {
	return [...]string{"mqtt-baseline", "kafka-baseline", "connectd", "bridge", "connectd-sink", "go-bridge", "c-bridge"}[p]
}

// kafkaSink tells whether the pipeline ends at the Kafka consumer.
func (p pipe) kafkaSink() bool {
	return p == pipeKafka || p == pipeConnectd || p == pipeGoBridge || p == pipeCBridge
}

// kafkaLoad tells whether the pipeline's load is written into Kafka by the Kafka baseline's producers.
func (p pipe) kafkaLoad() bool { return p == pipeKafka || p == pipeBridge || p == pipeSink }

// mqttSink tells whether the pipeline ends at the MQTT broker's subscribers.
func (p pipe) mqttSink() bool { return p == pipeMQTT || p == pipeBridge || p == pipeSink }

type runSpec struct {
	pipe   pipe
	qos    byte
	size   int
	tasks  int
	rate   float64 // total messages per second; 0: as fast as the window allows
	steady time.Duration
	mq     *mqttSide // the MQTT broker; nil: the run's (--mqtt)
	// openLoop publishes at rate with no window: what the pipeline does not take, the broker queues or
	// drops, as with devices that publish whether or not anyone keeps up.
	openLoop bool
	// onSteady, when set, runs (concurrently) as the steady window starts; the run waits for it.
	onSteady func(ctx context.Context)
}

// Timeouts of a run: a pipeline that moves nothing for stallTimeout fails the run; after the load stops,
// the sink gets drainTimeout to see the messages still in flight.
const (
	stallTimeout = 15 * time.Second
	drainTimeout = 15 * time.Second
)

// connectorConfig is the user's connector config pointed at this run's broker, filter and topic; everything
// else, mqtt.connections.per.task among it, is the user's file or the product's default.
func (b *bench) connectorConfig(name, filter, topic string, qos byte, tasks int) map[string]any {
	return b.connectorConfigOn(b.mq, name, filter, topic, qos, tasks)
}

// connectorConfigOn is connectorConfig on the broker mq.
func (b *bench) connectorConfigOn(mq *mqttSide, name, filter, topic string, qos byte, tasks int) map[string]any {
	c := maps.Clone(b.connCfg)
	c["topics"] = topic
	c["tasks.max"] = strconv.Itoa(tasks)
	c["camel.kamelet.mqtt-source.brokerUrl"] = mq.url
	c["camel.kamelet.mqtt-source.clientId"] = name
	c["camel.kamelet.mqtt-source.topic"] = filter
	c["camel.kamelet.mqtt-source.qos"] = strconv.Itoa(int(qos))
	if b.o.converter == "bytes" {
		c["value.converter"] = "org.apache.kafka.connect.converters.ByteArrayConverter"
	}
	return c
}

// publisherTopics are the MQTT topics of the publishers, one each, chosen so the records connectd keys by
// them spread evenly over the Kafka partitions (the Java partitioner hashes the key).
func publisherTopics(prefix string, n int, partitions int32) []string {
	topics := make([]string, n)
	for i := range n {
		want := int32(i) % partitions
		for j := 0; ; j++ {
			t := fmt.Sprintf("%s/p%d-%d", prefix, i, j)
			if kafkalog.Murmur2Partition([]byte(t), partitions) == want {
				topics[i] = t
				break
			}
		}
	}
	return topics
}

// run drives one pipeline: it builds the sink and the load, probes until a message crosses, then loads it
// for the warm-up and the steady window, and measures the steady window.
func (b *bench) run(ctx context.Context, s runSpec) (_ *Run, err error) {
	b.seq++
	name := fmt.Sprintf("r%d-%s-q%d-%d-t%d", b.seq, s.pipe, s.qos, s.size, s.tasks)
	log := b.log.With("run", name)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var cleanups []func()
	defer func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}()

	mq := s.mq
	if mq == nil {
		mq = b.mq
	}
	winSize := b.o.window
	if s.openLoop {
		winSize = math.MaxInt
	}
	win := newWindow(winSize)
	if !s.pipe.kafkaLoad() {
		// The harness publishes these messages itself, so it can tell each one apart: a message the broker
		// dropped is given up after the loss timeout instead of holding its slot (the Kafka baseline's
		// producers, in their own process, lose nothing: acks=all, idempotent).
		win.trackLoss(b.o.lossTimeout)
		reaped := make(chan struct{})
		cleanups = append(cleanups, func() { cancel(); <-reaped })
		go func() {
			defer close(reaped)
			tick := time.NewTicker(b.o.lossTimeout / 10)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case now := <-tick.C:
					win.expire(now)
				}
			}
		}()
	}
	rec := newRecorder(win)
	prefix := "/mqtt/test/bench/" + name
	filter := prefix + "/#"
	topic := "bench-" + name
	keys := publisherTopics(prefix, b.o.publishers, dataPartitions)
	if s.pipe == pipeBridge || s.pipe == pipeSink {
		// Records go to <prefix>/<key>: keys of their own, spread over the partitions the same way.
		keys = publisherTopics(sinkKeyPrefix, b.o.publishers, dataPartitions)
	}
	var sinkErr errOnce

	if s.pipe != pipeMQTT {
		if err := b.kafka.createTopic(topic, dataPartitions); err != nil {
			return nil, err
		}
		cleanups = append(cleanups, func() {
			if err := b.kafka.deleteTopic(topic); err != nil {
				log.Warn("cleanup", "err", err)
			}
		})
	}
	if s.pipe.kafkaSink() {
		sink, err := newKafkaSink(b.kafka.brokers, topic, rec)
		if err != nil {
			return nil, err
		}
		sctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := sink.Run(sctx); err != nil {
				sinkErr.set(err)
			}
		}()
		cleanups = append(cleanups, func() { stop(); <-done })
	}
	// procs are the processes under test, sampled over the steady window.
	var procs []proc
	if s.pipe.mqttSink() {
		subs, err := newChildSubscribers(b.dir, mq.url, name, filter, name, s.tasks, s.qos, rec)
		if err != nil {
			return nil, err
		}
		cleanups = append(cleanups, subs.close)
		if s.pipe == pipeMQTT {
			procs = append(procs, proc{"mqtt-baseline", subs.pid()})
		}
	}
	if s.pipe == pipeBridge {
		br, err := newChildBridge(b.dir, b.propsFile, name, topic, mq.url, prefix, s.tasks, s.qos)
		if err != nil {
			return nil, err
		}
		cleanups = append(cleanups, br.close)
		procs = append(procs, proc{"bridge", br.pid()})
	}
	if s.pipe == pipeGoBridge || s.pipe == pipeCBridge {
		ps, stop, err := b.startSourceBridge(s, mq, name, filter, topic)
		if err != nil {
			return nil, err
		}
		cleanups = append(cleanups, stop)
		procs = append(procs, ps...)
	}
	if s.pipe == pipeConnectd || s.pipe == pipeSink {
		base := b.workers[0].url()
		cfg := b.connectorConfigOn(mq, name, filter, topic, s.qos, s.tasks)
		if s.pipe == pipeSink {
			cfg = b.sinkConnectorConfig(mq, topic, prefix, s.qos, s.tasks)
		}
		body := map[string]any{"name": name, "config": cfg}
		if _, err := b.rc.do(ctx, http.MethodPost, base+"/connectors", body, nil); err != nil {
			return nil, err
		}
		cleanups = append(cleanups, func() {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if err := b.rc.deleteConnector(dctx, base, name); err != nil {
				log.Warn("cleanup", "err", err)
			}
		})
		if _, err := b.rc.waitRunning(ctx, base, name, s.tasks); err != nil {
			return nil, err
		}
		for _, w := range b.liveWorkers() {
			procs = append(procs, proc{w.name, w.pid()})
		}
	}

	var gen loadGen
	if s.pipe.kafkaLoad() {
		p, err := newChildProducers(b.dir, b.propsFile, name, topic, keys, s.qos, s.size, s.tasks, b.o.window)
		if err != nil {
			return nil, err
		}
		gen = p
		if s.pipe == pipeKafka {
			procs = append(procs, proc{"kafka-baseline", p.pid()})
		}
	} else {
		p, err := newPublishers(mq.url, name, keys, s.qos, s.size)
		if err != nil {
			return nil, err
		}
		gen = p
	}
	cleanups = append(cleanups, gen.close)
	if err := gen.probe(ctx, rec); err != nil {
		return nil, fmt.Errorf("%w (sink: %v)", err, sinkErr.get())
	}

	// The load.
	from := time.Now().Add(b.o.warmup)
	to := from.Add(s.steady)
	rec.setWindow(from, s.steady)
	loadCtx, stopLoad := context.WithDeadline(ctx, to)
	defer stopLoad()
	go func() { <-loadCtx.Done(); win.close() }()
	sampled := make(chan []usage, 1)
	go func() { sampled <- b.sample(loadCtx, from, to, procs, s.onSteady) }()
	var stall errOnce
	go b.watch(loadCtx, rec, win, func(err error) { stall.set(err); stopLoad() })

	sent, genErr := gen.run(loadCtx, win, s.rate)
	stopLoad()
	usages := <-sampled
	if err := errors.Join(genErr, stall.get(), sinkErr.get()); err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if time.Now().Before(to) {
		return nil, errors.New("the load ended before the steady window")
	}
	// Drain: the messages still in flight count as received, or as lost. A tracked window is drained when
	// every message arrived or was given up (at most the loss timeout after the last publish).
	tracked := win.tracking()
	deadline := time.Now().Add(drainTimeout)
	for {
		_, total, _, _, _ := rec.snapshot()
		outstanding, _, _, _ := win.losses()
		if (tracked && outstanding == 0) || (!tracked && total >= sent) || time.Now().After(deadline) {
			break
		}
		if s.pipe == pipeCBridge {
			nudgeCBridge(gen)
		}
		time.Sleep(20 * time.Millisecond)
	}
	steady, total, bad, _, hist := rec.snapshot()
	lost := max(sent-total, 0)
	var late, duplicated int64
	if tracked {
		var outstanding int64
		outstanding, lost, late, duplicated = win.losses()
		lost += outstanding
	}
	if bad > 0 {
		return nil, fmt.Errorf("the sink received %d messages that are not the bench's payloads", bad)
	}
	if usages == nil {
		return nil, errors.New("no process samples")
	}
	r := &Run{Messages: steady, Rate: float64(steady) / s.steady.Seconds(), Target: s.rate,
		Sent: sent, Received: total, Lost: lost, Late: late, Duplicated: duplicated,
		Latency: Latency{P50: ms(hist.quantile(0.50)), P95: ms(hist.quantile(0.95)), P99: ms(hist.quantile(0.99)), Max: ms(hist.quantile(1))}}
	r.MBps = r.Rate * float64(s.size) / 1e6
	r.Harness = ProcUsage{Name: "harness", CPUPct: usages[0].CPUPct, PeakRSSMB: mb(usages[0].PeakRSS)}
	var cpuPerSec float64 // CPU seconds per second of the processes under test
	for i, p := range procs {
		u := usages[i+1]
		r.Processes = append(r.Processes, ProcUsage{Name: p.name, CPUPct: u.CPUPct, PeakRSSMB: mb(u.PeakRSS)})
		cpuPerSec += u.CPUPct / 100
	}
	if r.Rate > 0 {
		// Both as rates: a sample taken late on a busy machine then skews neither.
		r.CPUPerMsg = math.Round(cpuPerSec/r.Rate*1e7) / 10
	}
	if skew := usages[0].Wall - s.steady; skew > s.steady/10 || skew < -s.steady/10 {
		log.Warn("process samples off the steady window (the machine is overloaded)", "sampled", usages[0].Wall, "steady", s.steady)
	}
	if r.Lost > 0 || r.Late > 0 {
		log.Warn("messages not received", "lost", r.Lost, "late", r.Late, "sent", sent)
	}
	log.Info("run", "rate", int(r.Rate), "p50_ms", r.Latency.P50, "p99_ms", r.Latency.P99, "lost", r.Lost)
	return r, nil
}

// proc is a process whose CPU and memory a run reads.
type proc struct {
	name string
	pid  int
}

// sample reads the harness (first) and procs at the start and the end of the steady window, peaks reset at
// the start. It returns nil when ctx ends first.
func (b *bench) sample(ctx context.Context, from, to time.Time, procs []proc, onSteady func(context.Context)) []usage {
	pids := []int{os.Getpid()}
	for _, p := range procs {
		pids = append(pids, p.pid)
	}
	if !sleepUntil(ctx, from) {
		return nil
	}
	start := make([]procSample, len(pids))
	for i, pid := range pids {
		_ = resetPeakRSS(pid)
		start[i], _ = readProc(pid)
	}
	var extra sync.WaitGroup
	if onSteady != nil {
		extra.Go(func() { onSteady(context.WithoutCancel(ctx)) })
	}
	defer extra.Wait()
	if !sleepUntil(ctx, to) {
		return nil
	}
	out := make([]usage, len(pids))
	for i, pid := range pids {
		end, err := readProc(pid)
		if err != nil {
			return nil
		}
		out[i] = usageBetween(start[i], end)
	}
	return out
}

// sleepUntil waits for t; false when ctx ends first (a deadline at t counts as reached).
func sleepUntil(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return !time.Now().Before(t)
	}
}

// watch fails a run whose sink saw nothing for stallTimeout while messages were outstanding.
func (b *bench) watch(ctx context.Context, rec *recorder, win *window, fail func(error)) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	since := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		sent, done := win.counts()
		_, _, _, last, _ := rec.snapshot()
		if last.After(since) {
			since = last
		}
		if sent > done && time.Since(since) > stallTimeout {
			fail(fmt.Errorf("stalled: nothing reached the sink for %s with %d messages outstanding", stallTimeout, sent-done))
			return
		}
	}
}
