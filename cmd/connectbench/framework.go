package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The framework baseline: next to connectd, in the same cells of the max-rate matrix (same broker, Kafka,
// payloads, window and sink), the simplest bridges that do what a source task does without a framework: the Go
// bridge (gobridge.go) and, where the machine has mosquitto_sub and kcat, the C bridge (cbridge.go). connectd's
// rate against theirs is what the framework costs.

// pipeNames are the --pipelines names of the source pipelines of a matrix cell.
var pipeNames = map[string]pipe{
	"mqtt": pipeMQTT, "kafka": pipeKafka, "connectd": pipeConnectd, "go-bridge": pipeGoBridge, "c-bridge": pipeCBridge,
}

// parsePipes parses --pipelines: a comma list of pipeNames, run in the order the matrix always uses.
func parsePipes(s string) ([]pipe, error) {
	seen := map[pipe]bool{}
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		p, ok := pipeNames[f]
		if !ok {
			return nil, fmt.Errorf("--pipelines: %q is not one of mqtt, kafka, connectd, go-bridge, c-bridge", f)
		}
		seen[p] = true
	}
	var out []pipe
	for _, p := range []pipe{pipeMQTT, pipeKafka, pipeGoBridge, pipeCBridge, pipeConnectd} {
		if seen[p] {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("--pipelines: none selected")
	}
	return out, nil
}

// Framework describes the framework baselines of a run.
type Framework struct {
	// ConnectionsPerTask is the connector's effective mqtt.connections.per.task with one task and with
	// several, the Go bridge's connections per bridge.
	ConnectionsPerTask map[string]int `json:"connections_per_task"`
	GoBridge           string         `json:"go_bridge,omitempty"`
	CBridge            string         `json:"c_bridge,omitempty"`
	// CBridgeSkipped says why the C bridge did not run, when it was selected.
	CBridgeSkipped string `json:"c_bridge_skipped,omitempty"`
}

// setupFramework finds the C bridge's tools when it is selected, drops it with a note when they are missing,
// and describes the bridges in the report.
func (b *bench) setupFramework() {
	hasGo, hasC := false, false
	for _, p := range b.o.pipes {
		hasGo = hasGo || p == pipeGoBridge
		hasC = hasC || p == pipeCBridge
	}
	if !hasGo && !hasC {
		return
	}
	f := &Framework{ConnectionsPerTask: map[string]int{
		"1": connectionsPerTask(b.connCfg, 1), "several": connectionsPerTask(b.connCfg, 2)}}
	if hasGo {
		f.GoBridge = "paho subscribers (mqtt.connections.per.task per bridge, the connector's shared subscription, manual acks after Kafka's) → " +
			"a sarama async producer per bridge configured as the task producer, one bridge per task, in a process of its own"
	}
	if hasC {
		tools, err := findCBridgeTools()
		if err != nil {
			f.CBridgeSkipped = err.Error()
			b.o.pipes = slices.DeleteFunc(b.o.pipes, func(p pipe) bool { return p == pipeCBridge })
			b.log.Warn("C bridge skipped", "err", err)
		} else {
			b.cTools = &tools
			f.CBridge = "mosquitto_sub | kcat per task (" + tools.version + "), kcat with acks=all, enable.idempotence=true, " +
				"max.in.flight.requests.per.connection=1, linger.ms=0, partitioner=murmur2_random"
		}
	}
	b.rep.Framework = f
}

// mqttConnectionsKey is the MQTT connector's setting of MQTT connections per task.
const mqttConnectionsKey = "mqtt.connections.per.task"

// connectionsPerTask is the connector's effective mqtt.connections.per.task for a connector of tasks tasks:
// the config's value, else the product's default (connector/mqtt defaultConnections: 1 for the persistent
// session of a connector's only task, 4 otherwise; keep in step).
func connectionsPerTask(cfg map[string]any, tasks int) int {
	if v, ok := cfg[mqttConnectionsKey]; ok && v != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(fmt.Sprint(v))); err == nil && n > 0 {
			return n
		}
	}
	clean := true
	if v, ok := cfg["camel.kamelet.mqtt-source.clean.session.enabled"]; ok && v != nil {
		clean = !strings.EqualFold(strings.TrimSpace(fmt.Sprint(v)), "false")
	}
	if !clean && tasks <= 1 {
		return 1
	}
	return 4
}

// startSourceBridge starts the Go or the C bridge of a run on the run's broker, filter and topic, and returns
// the processes under test and how to stop them.
func (b *bench) startSourceBridge(s runSpec, mq *mqttSide, name, filter, topic string) ([]proc, func(), error) {
	if s.pipe == pipeGoBridge {
		br, err := newChildGoBridge(b.dir, goBridgeSpec{props: b.propsFile, topic: topic, url: mq.url, prefix: name,
			filter: filter, share: name, tasks: s.tasks, conns: connectionsPerTask(b.connCfg, s.tasks), qos: s.qos})
		if err != nil {
			return nil, nil, err
		}
		return []proc{{"go-bridge", br.pid()}}, br.close, nil
	}
	if b.cTools == nil {
		return nil, nil, errors.New("the C bridge's tools were not found")
	}
	host, port, err := brokerHostPort(mq.url)
	if err != nil {
		return nil, nil, err
	}
	pipes := make([]cPipeline, s.tasks)
	for i := range pipes {
		pipes[i] = cPipeline{clientID: fmt.Sprintf("%s-c-bridge-%d", name, i), filter: subscriptionFilter(filter, name, s.tasks),
			qos: s.qos, host: host, port: port, brokers: b.kafka.brokers, topic: topic}
	}
	cb, err := startCBridge(*b.cTools, b.dir, name+"-c-bridge", pipes)
	if err != nil {
		return nil, nil, err
	}
	var procs []proc
	for i, pid := range cb.pids() {
		procs = append(procs, proc{fmt.Sprintf("c-bridge-%d", i), pid})
	}
	return procs, func() {
		if err := cb.exited(); err != nil {
			b.log.Warn("C bridge", "err", err) // the run stalled or was slow: this says why
		}
		cb.close()
	}, nil
}

// Goal thresholds of the framework baseline, from the issue.
const (
	goalRatioGoBridge = 0.9
	goalRatioCBridge  = 0.8
)

// frameworkGoals adds the framework baseline's goals: connectd's rate against each bridge's, QoS 0 and 1,
// 1 KB, every topology the matrix covered, for the bridges the run had.
func (r *Report) frameworkGoals(add func(name, target, measured string, met *bool)) {
	if r.Framework == nil {
		return
	}
	type bridge struct {
		name   string
		goal   float64
		ran    bool
		run    func(*Case) *Run
		ratio  func(*Case) float64
		reason string // why it did not run
	}
	bridges := []bridge{
		{"the Go bridge", goalRatioGoBridge, r.Framework.GoBridge != "", func(c *Case) *Run { return c.GoBridge },
			func(c *Case) float64 { return c.RatioGoBridge }, ""},
		{"the C bridge", goalRatioCBridge, r.Framework.CBridge != "", func(c *Case) *Run { return c.CBridge },
			func(c *Case) float64 { return c.RatioCBridge }, r.Framework.CBridgeSkipped},
	}
	for _, br := range bridges {
		if !br.ran && br.reason == "" {
			continue // not selected
		}
		for _, tasks := range r.topologies() {
			for _, qos := range []int{0, 1} {
				name := fmt.Sprintf("QoS %d, 1 KB, %s: connectd / %s", qos, topology(tasks), br.name)
				target := fmt.Sprintf("≥ %.2f", br.goal)
				c := r.findCase(qos, goalSize, tasks)
				if c == nil {
					continue // the matrix does not have the cell
				}
				b := br.run(c)
				switch {
				case !br.ran:
					add(name, target, "not measured: "+br.reason, nil)
				case b == nil || c.Connectd == nil || b.Err != "" || c.Connectd.Err != "" || b.Rate == 0:
					add(name, target, "not measured", nil)
				case b.Lost > 0:
					// A bridge that lost messages did not do the job connectd is held to, and its lower rate
					// would flatter connectd's ratio: no reference.
					add(name, target, fmt.Sprintf("not measured: %s lost %s messages", br.name, count(float64(b.Lost))), nil)
				default:
					f := br.ratio(c)
					add(name, target, fmt.Sprintf("%.2f (%s / %s msg/s)", f, count(c.Connectd.Rate), count(b.Rate)),
						yesNo(f >= br.goal && c.Connectd.Lost == 0))
				}
			}
		}
	}
}

func yesNo(b bool) *bool { return &b }

// findCase is the matrix cell of qos, size and tasks, or nil.
func (r *Report) findCase(qos, size, tasks int) *Case {
	for i := range r.Cases {
		if c := &r.Cases[i]; c.QoS == qos && c.Size == size && c.Tasks == tasks {
			return c
		}
	}
	return nil
}

// frameworkMarkdown renders the framework baseline table: every cell of the matrix that ran a bridge.
func (r *Report) frameworkMarkdown(p func(format string, a ...any)) {
	f := r.Framework
	if f == nil {
		return
	}
	p("\n## Framework baseline (MQTT → Kafka)\n\n")
	p("The same cells as above (same broker, Kafka, payloads, window and sink), with the simplest bridges that do a source " +
		"task's job without a framework; ratio = connectd / the bridge. CPU µs/msg is the CPU time of the bridge's processes, " +
		"or of connectd's workers, per message; lost counts each pipeline's kept run.\n\n")
	if f.GoBridge != "" {
		p("- Go bridge: %s. MQTT connections per task: %d with one task, %d with several (the connector's effective mqtt.connections.per.task).\n",
			f.GoBridge, f.ConnectionsPerTask["1"], f.ConnectionsPerTask["several"])
	}
	switch {
	case f.CBridge != "":
		p("- C bridge: %s. Differs from a task: mosquitto_sub acknowledges a QoS 1 message on arrival, before Kafka has it; "+
			"the records have the CamelHeader.CamelMqttQoS header but not CamelHeader.CamelMqttTopic (kcat adds static headers "+
			"only); one MQTT connection per task.\n", f.CBridge)
	case f.CBridgeSkipped != "":
		p("- C bridge: skipped, %s.\n", f.CBridgeSkipped)
	}
	p("\n| QoS | size | workers × tasks | Go bridge msg/s | C bridge msg/s | connectd msg/s | connectd / Go | connectd / C | CPU µs/msg Go / C / connectd | lost Go / C / connectd |\n")
	p("|---|---|---|---:|---:|---:|---:|---:|---|---|\n")
	for _, c := range r.Cases {
		if c.GoBridge == nil && c.CBridge == nil {
			continue
		}
		rate := func(run *Run) string {
			switch {
			case run == nil:
				return "–"
			case run.Err != "":
				return "error"
			}
			return count(run.Rate)
		}
		ratio := func(run *Run, f float64) string {
			if run == nil || run.Err != "" || c.Connectd == nil || c.Connectd.Err != "" {
				return "–"
			}
			return fmt.Sprintf("%.2f", f)
		}
		cpu := func(run *Run) string {
			if run == nil || run.Err != "" {
				return "–"
			}
			return fmt.Sprintf("%.1f", run.CPUPerMsg)
		}
		lost := func(run *Run) string {
			if run == nil || run.Err != "" {
				return "–"
			}
			return strconv.FormatInt(run.Lost, 10)
		}
		p("| %d | %s | %d × %d | %s | %s | %s | %s | %s | %s / %s / %s | %s / %s / %s |\n",
			c.QoS, size(c.Size), c.Workers, c.Tasks, rate(c.GoBridge), rate(c.CBridge), rate(c.Connectd),
			ratio(c.GoBridge, c.RatioGoBridge), ratio(c.CBridge, c.RatioCBridge),
			cpu(c.GoBridge), cpu(c.CBridge), cpu(c.Connectd), lost(c.GoBridge), lost(c.CBridge), lost(c.Connectd))
	}
}

// nudgeCBridge publishes a probe message (which the sink does not count) on each publisher's topic without
// waiting for them, so that each pipeline sharing the subscription is likely to get one. kcat
// reads its input 128 bytes at a time and looks for the next line only after reading again, so it holds the
// last message of the load until more input comes: the probes published while the run drains carry it
// through, where the next message would in a stream that goes on.
func nudgeCBridge(gen loadGen) {
	if p, ok := gen.(*publishers); ok {
		for i, c := range p.clients {
			c.Publish(p.topics[i], 0, false, appendPayload(nil, p.size, 0, time.Now().UnixNano()))
		}
	}
}
