package main

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Report is everything one harness run measured; it is written as JSON and rendered as markdown.
type Report struct {
	Started     time.Time    `json:"started"`
	WallSec     float64      `json:"wall_seconds"`
	Machine     Machine      `json:"machine"`
	Settings    Settings     `json:"settings"`
	Idle        []WorkerIdle `json:"idle,omitempty"`
	Cases       []Case       `json:"cases,omitempty"`
	BrokerCases []BrokerCase `json:"broker_default_cases,omitempty"`
	SinkCases   []SinkCase   `json:"sink_cases,omitempty"`
	Framework   *Framework   `json:"framework_baseline,omitempty"`
	HalfRate    []HalfRate   `json:"half_rate,omitempty"`
	RESTReady   *RESTReady   `json:"rest_ready,omitempty"`
	Burst       *Burst       `json:"burst,omitempty"`
	SlowBurst   *Burst       `json:"slow_kafka_burst,omitempty"`
	Failover    *Failover    `json:"failover,omitempty"`
	List        *ListLatency `json:"list,omitempty"`
	Scale       []*Scale     `json:"scale,omitempty"`
	Goals       []Goal       `json:"goals"`
	Profiles    []string     `json:"profiles,omitempty"`
	Errors      []string     `json:"errors,omitempty"`
}

// Machine describes where the numbers come from.
type Machine struct {
	CPU      string `json:"cpu"`
	Cores    int    `json:"cores"`
	MemoryMB int64  `json:"memory_mb"`
	Kernel   string `json:"kernel"`
	Go       string `json:"go"`
	LoadAvg  string `json:"load_average_at_start"`
	LoadEnd  string `json:"load_average_at_end"`
	Broker   string `json:"mqtt_broker"`
	Kafka    string `json:"kafka"`
}

// Settings are the knobs the numbers depend on.
type Settings struct {
	Publishers   int               `json:"publishers"`
	Window       int               `json:"window"`
	Warmup       string            `json:"warmup"`
	Steady       string            `json:"steady"`
	Rounds       int               `json:"rounds"`
	Converter    string            `json:"value_converter"`
	WorkerConfig map[string]string `json:"worker_config"`
}

// Case is one cell of the max-rate matrix: the two baselines and connectd, same broker, Kafka, payloads.
type Case struct {
	QoS      int     `json:"qos"`
	Size     int     `json:"size"`
	Workers  int     `json:"workers"`
	Tasks    int     `json:"tasks"`
	MQTT     *Run    `json:"mqtt_baseline,omitempty"`
	Kafka    *Run    `json:"kafka_baseline,omitempty"`
	Connectd *Run    `json:"connectd,omitempty"`
	Ratio    float64 `json:"ratio"` // connectd rate / the smaller baseline rate
	// The framework baselines (framework.go): bridges without a framework, and connectd's rate against theirs.
	GoBridge      *Run    `json:"go_bridge,omitempty"`
	CBridge       *Run    `json:"c_bridge,omitempty"`
	RatioGoBridge float64 `json:"ratio_go_bridge,omitempty"`
	RatioCBridge  float64 `json:"ratio_c_bridge,omitempty"`
}

// Run is one measured load: a pipeline driven for a warm-up and a steady window.
type Run struct {
	Messages int64   `json:"messages"` // received inside the steady window
	Rate     float64 `json:"messages_per_sec"`
	MBps     float64 `json:"payload_mb_per_sec"`
	Target   float64 `json:"target_per_sec,omitempty"`
	Latency  Latency `json:"latency_ms"`
	Sent     int64   `json:"sent"`
	Received int64   `json:"received"` // load messages the sink saw, copies included
	// Lost are messages the sink never saw: with the harness's own publishers, those not seen within
	// --loss-timeout of their publish (a message seen later is Late, not lost).
	Lost       int64 `json:"lost"`
	Late       int64 `json:"late,omitempty"`
	Duplicated int64 `json:"duplicated,omitempty"` // copies beyond the first (QoS 1 redeliveries)
	// Processes are the processes under test — the connectd workers, or a baseline's subscriber or
	// producer process — with their CPU and peak RSS over the steady window.
	Processes []ProcUsage `json:"processes,omitempty"`
	// Harness is the harness process: publishers, sink, and the in-process broker and Kafka.
	Harness ProcUsage `json:"harness"`
	// CPUPerMsg is the CPU time of the processes under test per message, µs: a cost that depends far less
	// on how busy the machine is than a rate.
	CPUPerMsg float64 `json:"cpu_us_per_msg,omitempty"`
	Err       string  `json:"error,omitempty"`
}

// Latency is end-to-end latency in ms: sink arrival minus the publish time in the payload.
type Latency struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// ProcUsage is a process's CPU (percent of one core) and peak RSS over a window.
type ProcUsage struct {
	Name      string  `json:"name"`
	CPUPct    float64 `json:"cpu_pct"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
}

// HalfRate is a latency run at half the maximum rate, of connectd and of both baselines at the same rate.
type HalfRate struct {
	QoS   int  `json:"qos"`
	Size  int  `json:"size"`
	Tasks int  `json:"tasks"`
	Run   *Run `json:"connectd"`
	MQTT  *Run `json:"mqtt_baseline,omitempty"`
	Kafka *Run `json:"kafka_baseline,omitempty"`
}

// WorkerIdle is a worker right after startup, with no connector.
type WorkerIdle struct {
	Name        string  `json:"name"`
	HealthyMs   float64 `json:"healthy_ms"`
	IdleRSSMB   float64 `json:"idle_rss_mb"`
	StartPeakMB float64 `json:"startup_peak_rss_mb"`
}

// RESTReady is the time from process start to the first 200 of GET /, and to GET /health's 200 (the worker
// joined its group and read its topics), against a running Kafka.
type RESTReady struct {
	RESTMs      []float64 `json:"rest_ms"`
	HealthyMs   []float64 `json:"healthy_ms"`
	MedianMs    float64   `json:"median_rest_ms"`
	MedianHlthy float64   `json:"median_healthy_ms"`
}

// Failover is the time from kill -9 of the worker running the task to the task RUNNING on another worker,
// and to the first record published after the kill arriving in Kafka.
type Failover struct {
	RunningS       []float64 `json:"running_s"`
	ResumeS        []float64 `json:"resume_s"`
	MedianRunningS float64   `json:"median_running_s"`
	MedianResumeS  float64   `json:"median_resume_s"`
	Rate           float64   `json:"publish_rate"`
}

// ListLatency is GET /connectors?expand=status with many connectors.
type ListLatency struct {
	Connectors int     `json:"connectors"`
	Method     string  `json:"created_by"`
	CreateS    float64 `json:"create_s"` // until every one has a status and the group spread them evenly
	Balanced   bool    `json:"balanced"`
	Spread     []int   `json:"spread"` // connectors per worker`
	ListTiming
}

// ListTiming is what timed GETs of a status listing measured.
type ListTiming struct {
	Requests int     `json:"requests"`
	P50Ms    float64 `json:"p50_ms"`
	P99Ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
	BodyKB   float64 `json:"body_kb"`
}

// Goal is one of the goals with what this run measured.
type Goal struct {
	Name     string `json:"name"`
	Target   string `json:"target"`
	Measured string `json:"measured"`
	Met      *bool  `json:"met"` // nil: not measured in this run
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e4) / 100 }

func mb(bytes int64) float64 { return math.Round(float64(bytes)/(1<<20)*10) / 10 }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// describeMachine reads the CPU, memory, kernel and load from /proc.
func describeMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), CPU: "unknown"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range bytes.Lines(b) {
			if k, v, ok := bytes.Cut(line, []byte(":")); ok && string(bytes.TrimSpace(k)) == "model name" {
				m.CPU = string(bytes.TrimSpace(v))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range bytes.Lines(b) {
			if rest, ok := bytes.CutPrefix(line, []byte("MemTotal:")); ok {
				if f := bytes.Fields(rest); len(f) > 0 {
					kb, _ := strconv.ParseInt(string(f[0]), 10, 64)
					m.MemoryMB = kb >> 10
				}
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	m.LoadAvg = loadAverage()
	return m
}

// loadAverage is the 1, 5 and 15 minute load average: on a shared machine, how much else was running.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// Goal thresholds, from the issue.
const (
	goalRatioQoS0 = 0.8
	// goalRatioSink is the sink issue's "≥ 0.8× a bare Kafka consumer → MQTT publisher".
	goalRatioSink = 0.8
	// goalRatioDefaults is the "≥ 0.8× the bare subscriber's rate" on brokers with their defaults: two
	// steps down the rate ladder (ladderRate).
	goalRatioDefaults = 0.8
	goalQoS1OfQoS0    = 0.5
	goalP99Ms         = 20
	goalIdleRSSMB     = 32
	goalLoadRSSMB     = 64
	goalRESTReadyMs   = 200
	goalFailoverS     = 10
	goalSize          = 1024
)

// evaluateGoals fills r.Goals from the measurements; a goal whose measurement is missing stays unmet-unknown.
func (r *Report) evaluateGoals() {
	r.Goals = nil
	add := func(name, target, measured string, met *bool) {
		r.Goals = append(r.Goals, Goal{Name: name, Target: target, Measured: measured, Met: met})
	}
	yes := func(b bool) *bool { return &b }
	find := func(qos, size, tasks int) *Case {
		for i := range r.Cases {
			c := &r.Cases[i]
			if c.QoS == qos && c.Size == size && c.Tasks == tasks {
				return c
			}
		}
		return nil
	}
	for _, tasks := range r.topologies() {
		c := find(0, goalSize, tasks)
		name := fmt.Sprintf("QoS 0, 1 KB, %s: connectd / smaller baseline", topology(tasks))
		if c == nil || c.Connectd == nil || c.MQTT == nil || c.Kafka == nil || c.Connectd.Err != "" {
			add(name, fmt.Sprintf("≥ %.2f", goalRatioQoS0), "not measured", nil)
			continue
		}
		add(name, fmt.Sprintf("≥ %.2f", goalRatioQoS0), fmt.Sprintf("%.2f (%s of min(%s, %s) msg/s)", c.Ratio,
			count(c.Connectd.Rate), count(c.MQTT.Rate), count(c.Kafka.Rate)), yes(c.Ratio >= goalRatioQoS0))
	}
	for _, tasks := range r.topologies() {
		q0, q1 := find(0, goalSize, tasks), find(1, goalSize, tasks)
		name := fmt.Sprintf("QoS 1, 1 KB, %s: rate / connectd's QoS 0 rate", topology(tasks))
		if q0 == nil || q1 == nil || q0.Connectd == nil || q1.Connectd == nil || q0.Connectd.Rate == 0 {
			add(name, fmt.Sprintf("≥ %.2f", goalQoS1OfQoS0), "not measured", nil)
			continue
		}
		f := q1.Connectd.Rate / q0.Connectd.Rate
		add(name, fmt.Sprintf("≥ %.2f", goalQoS1OfQoS0), fmt.Sprintf("%.2f (%s / %s msg/s)", f,
			count(q1.Connectd.Rate), count(q0.Connectd.Rate)), yes(f >= goalQoS1OfQoS0))
	}
	r.frameworkGoals(add)
	for _, h := range r.HalfRate {
		name := fmt.Sprintf("p99 latency at half the max rate, QoS %d, %s, %s", h.QoS, size(h.Size), topology(h.Tasks))
		if h.Run == nil || h.Run.Err != "" {
			add(name, fmt.Sprintf("≤ %d ms", goalP99Ms), "not measured", nil)
			continue
		}
		measured := fmt.Sprintf("%.1f ms at %s msg/s", h.Run.Latency.P99, count(h.Run.Rate))
		if h.MQTT != nil && h.Kafka != nil && h.MQTT.Err == "" && h.Kafka.Err == "" {
			measured += fmt.Sprintf(" (baselines: MQTT %.1f ms, Kafka %.1f ms)", h.MQTT.Latency.P99, h.Kafka.Latency.P99)
		}
		add(name, fmt.Sprintf("≤ %d ms", goalP99Ms), measured, yes(h.Run.Latency.P99 <= goalP99Ms))
	}
	for _, c := range r.BrokerCases {
		name := fmt.Sprintf("QoS 1, 1 KB, %s, %s: connectd's lossless open-loop rate / a bare subscriber's", c.Label, topology(c.Tasks))
		target := fmt.Sprintf("≥ %.2f", goalRatioDefaults)
		if c.MQTT.Rate == 0 {
			add(name, target, "not measured", nil)
			continue
		}
		add(name, target, fmt.Sprintf("%.2f (%s / %s msg/s)", c.Ratio, count(c.Connectd.Rate), count(c.MQTT.Rate)),
			yes(c.Ratio >= goalRatioDefaults-1e-3)) // the ladder's rates are rounded to whole messages
	}
	for _, c := range r.SinkCases {
		name := fmt.Sprintf("MQTT sink, QoS %d, %s, %s: connectd / a bare consumer → publisher bridge", c.QoS, size(c.Size), topology(c.Tasks))
		target := fmt.Sprintf("≥ %.2f", goalRatioSink)
		if c.Bridge == nil || c.Connectd == nil || c.Bridge.Err != "" || c.Connectd.Err != "" || c.Bridge.Rate == 0 {
			add(name, target, "not measured", nil)
			continue
		}
		if c.Bridge.Lost > 0 {
			// A bridge that lost messages is no reference: its lower rate would flatter connectd's ratio.
			add(name, target, fmt.Sprintf("not measured: the bridge lost %s messages", count(float64(c.Bridge.Lost))), nil)
			continue
		}
		add(name, target, fmt.Sprintf("%.2f (%s / %s msg/s)", c.Ratio, count(c.Connectd.Rate), count(c.Bridge.Rate)),
			yes(c.Ratio >= goalRatioSink && c.Connectd.Lost == 0))
	}
	if len(r.Idle) > 0 {
		var worst WorkerIdle
		for _, w := range r.Idle {
			if w.StartPeakMB > worst.StartPeakMB {
				worst = w
			}
		}
		add("peak RSS idle, per worker", fmt.Sprintf("≤ %d MB", goalIdleRSSMB),
			fmt.Sprintf("%.1f MB peak, %.1f MB resident (%s)", worst.StartPeakMB, worst.IdleRSSMB, worst.Name),
			yes(worst.IdleRSSMB <= goalIdleRSSMB && worst.StartPeakMB <= goalIdleRSSMB))
	} else {
		add("peak RSS idle, per worker", fmt.Sprintf("≤ %d MB", goalIdleRSSMB), "not measured", nil)
	}
	var peak ProcUsage
	var peakCase string
	for _, c := range r.Cases {
		if c.Connectd == nil {
			continue
		}
		for _, w := range c.Connectd.Processes {
			if w.PeakRSSMB > peak.PeakRSSMB {
				peak, peakCase = w, fmt.Sprintf("QoS %d, %s, %s", c.QoS, size(c.Size), topology(c.Tasks))
			}
		}
	}
	if peakCase != "" {
		add("peak RSS at max rate, per worker", fmt.Sprintf("≤ %d MB", goalLoadRSSMB),
			fmt.Sprintf("%.1f MB (%s, %s)", peak.PeakRSSMB, peak.Name, peakCase), yes(peak.PeakRSSMB <= goalLoadRSSMB))
	} else {
		add("peak RSS at max rate, per worker", fmt.Sprintf("≤ %d MB", goalLoadRSSMB), "not measured", nil)
	}
	for _, bu := range []*Burst{r.Burst, r.SlowBurst} {
		if bu == nil {
			continue
		}
		name := fmt.Sprintf("peak RSS in an open-loop burst of %s QoS 1 messages of %s, per worker", count(float64(bu.Messages)), size(bu.Size))
		if bu.ProduceDelayMs > 0 {
			name += fmt.Sprintf(", Kafka answering each produce request after %d ms", bu.ProduceDelayMs)
		}
		var worst ProcUsage
		for _, w := range bu.Workers {
			if w.PeakRSSMB > worst.PeakRSSMB {
				worst = w
			}
		}
		if bu.Err != "" && len(bu.Workers) == 0 {
			add(name, fmt.Sprintf("≤ %d MB, none lost", goalLoadRSSMB), "not measured", nil)
		} else {
			add(name, fmt.Sprintf("≤ %d MB, none lost", goalLoadRSSMB), fmt.Sprintf("%.1f MB (%s); lost %d, duplicated %d",
				worst.PeakRSSMB, worst.Name, bu.Lost, bu.Duplicated), yes(worst.PeakRSSMB <= goalLoadRSSMB && bu.Lost == 0 && bu.Err == ""))
		}
	}
	if r.RESTReady != nil && len(r.RESTReady.RESTMs) > 0 {
		add("REST ready after process start", fmt.Sprintf("≤ %d ms", goalRESTReadyMs),
			fmt.Sprintf("%.0f ms median of %d (healthy: %.0f ms)", r.RESTReady.MedianMs, len(r.RESTReady.RESTMs), r.RESTReady.MedianHlthy),
			yes(r.RESTReady.MedianMs <= goalRESTReadyMs))
	} else {
		add("REST ready after process start", fmt.Sprintf("≤ %d ms", goalRESTReadyMs), "not measured", nil)
	}
	if r.Failover != nil && len(r.Failover.RunningS) > 0 {
		add("failover after kill -9 (task RUNNING elsewhere)", fmt.Sprintf("≤ %d s", goalFailoverS),
			fmt.Sprintf("%.1f s median of %d (records flow again: %.1f s)", r.Failover.MedianRunningS, len(r.Failover.RunningS), r.Failover.MedianResumeS),
			yes(r.Failover.MedianRunningS <= goalFailoverS))
	} else {
		add("failover after kill -9 (task RUNNING elsewhere)", fmt.Sprintf("≤ %d s", goalFailoverS), "not measured", nil)
	}
	r.scaleGoals()
}

// topologies lists the task counts the matrix covered, in order.
func (r *Report) topologies() []int {
	var ts []int
	for _, c := range r.Cases {
		if !slices.Contains(ts, c.Tasks) {
			ts = append(ts, c.Tasks)
		}
	}
	return ts
}

func topology(tasks int) string {
	if tasks == 1 {
		return "1 worker 1 task"
	}
	return fmt.Sprintf("%d workers %d tasks", tasks, tasks)
}

func size(n int) string {
	if n%1024 == 0 {
		return fmt.Sprintf("%d KB", n/1024)
	}
	return fmt.Sprintf("%d B", n)
}

// count renders a rate with thousands separators: 12,345.
func count(f float64) string {
	s := strconv.FormatInt(int64(math.Round(f)), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func verdict(met *bool) string {
	switch {
	case met == nil:
		return "not measured"
	case *met:
		return "**met**"
	}
	return "**missed**"
}

// workersCell renders the workers' CPU or RSS as "a / b / c".
func workersCell(ws []ProcUsage, f func(ProcUsage) float64, format string) string {
	if len(ws) == 0 {
		return "–"
	}
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = fmt.Sprintf(format, f(w))
	}
	return strings.Join(parts, " / ")
}

// Markdown renders the report: the machine, the goals, then every measurement.
func (r *Report) Markdown() string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	m := r.Machine
	p("# connectd load bench, %s\n\n", r.Started.UTC().Format("2006-01-02 15:04 UTC"))
	p("- machine: %s, %d cores, %.1f GiB, %s, %s; load average %s at start, %s at the end\n",
		m.CPU, m.Cores, float64(m.MemoryMB)/1024, m.Kernel, m.Go, m.LoadAvg, m.LoadEnd)
	p("- MQTT broker: %s; Kafka: %s\n", m.Broker, m.Kafka)
	s := r.Settings
	p("- load: %d publishers, window %d messages in flight end to end, warm-up %s, steady window %s, best of %d interleaved round(s); value.converter %s\n",
		s.Publishers, s.Window, s.Warmup, s.Steady, max(s.Rounds, 1), s.Converter)
	var wc []string
	for _, k := range slices.Sorted(maps.Keys(s.WorkerConfig)) {
		wc = append(wc, k+"="+s.WorkerConfig[k])
	}
	p("- workers: separate `connectd worker` processes; %s\n", strings.Join(wc, ", "))
	p("- wall time: %s\n\n", (time.Duration(r.WallSec*1e9) / time.Second * time.Second).String())

	p("## Goals\n\n| goal | target | measured | |\n|---|---|---|---|\n")
	for _, g := range r.Goals {
		p("| %s | %s | %s | %s |\n", g.Name, g.Target, g.Measured, verdict(g.Met))
	}

	if len(r.Cases) > 0 {
		p("\n## Maximum rate\n\n")
		p("Messages/s received in the steady window. MQTT baseline: bare paho subscribers (as many as tasks, a shared " +
			"subscription like the tasks') in a process of their own, on the same broker and topics; Kafka baseline: bare " +
			"sarama producers configured as connectd's task producers, in a process of their own, into the same Kafka. " +
			"ratio = connectd / the smaller baseline. CPU µs/msg is the CPU time of the process(es) under test per message: " +
			"bare subscriber, bare producer, connectd's workers. Latency at maximum rate is mostly queueing in the window.\n\n")
		p("| QoS | size | workers × tasks | MQTT baseline | Kafka baseline | connectd | MB/s | ratio | p50 / p95 / p99 ms | CPU µs/msg sub / prod / connectd | worker CPU %% | worker peak RSS MB | harness CPU %% | lost |\n")
		p("|---|---|---|---:|---:|---:|---:|---:|---|---|---|---|---:|---:|\n")
		for _, c := range r.Cases {
			rate := func(run *Run) string {
				if run == nil {
					return "–"
				}
				if run.Err != "" {
					return "error"
				}
				return count(run.Rate)
			}
			cpu := func(run *Run) string {
				if run == nil || run.Err != "" {
					return "–"
				}
				return fmt.Sprintf("%.1f", run.CPUPerMsg)
			}
			cr := c.Connectd
			if cr == nil || cr.Err != "" {
				p("| %d | %s | %d × %d | %s | %s | %s | | | | | | | | |\n", c.QoS, size(c.Size), c.Workers, c.Tasks, rate(c.MQTT), rate(c.Kafka), rate(cr))
				continue
			}
			var lost int64
			for _, run := range []*Run{c.MQTT, c.Kafka, cr} {
				if run != nil {
					lost += run.Lost
				}
			}
			p("| %d | %s | %d × %d | %s | %s | %s | %.1f | %.2f | %.1f / %.1f / %.1f | %s / %s / %s | %s | %s | %.0f | %d |\n",
				c.QoS, size(c.Size), c.Workers, c.Tasks, rate(c.MQTT), rate(c.Kafka), rate(cr), cr.MBps, c.Ratio,
				cr.Latency.P50, cr.Latency.P95, cr.Latency.P99, cpu(c.MQTT), cpu(c.Kafka), cpu(cr),
				workersCell(cr.Processes, func(u ProcUsage) float64 { return u.CPUPct }, "%.0f"),
				workersCell(cr.Processes, func(u ProcUsage) float64 { return u.PeakRSSMB }, "%.1f"), cr.Harness.CPUPct, lost)
		}
	}
	r.frameworkMarkdown(p)
	if len(r.BrokerCases) > 0 {
		p("\n## Brokers with their default settings\n\n")
		p("QoS 1, 1 KB, published open loop at a fixed rate, on a Mosquitto of its own with only a listener and anonymous access " +
			"configured (its defaults: 20 messages in flight and 1,000 queued per session, the rest dropped) or set like EMQX's defaults " +
			"(32 in flight, 1,000 queued). Each pipeline's rate is the highest rate of a ladder it sustained: nothing lost (not at the " +
			"sink within the loss timeout), and ≥ 95 %% of the rate received in the steady window; the search takes steps of 25 %%, then " +
			"tries the rate halfway, and a rate fails only after every round at it failed. Bare subscriber: paho subscribers (as many as tasks, a shared subscription) in a process " +
			"of their own; connectd: the connector with the product's defaults (mqtt.connections.per.task 4). ratio = connectd / the bare " +
			"subscriber: 0.80 is a step of 25 %%, 0.89 half of one. Latency and CPU are of the run at the pipeline's rate; lost counts every run, " +
			"the failing steps included.\n\n")
		p("| broker | workers × tasks | bare subscriber msg/s | connectd msg/s | ratio | p50 / p95 / p99 ms bare / connectd | CPU µs/msg sub / connectd | worker CPU %% | bare subscriber runs, msg/s | connectd runs, msg/s | lost, all runs: bare / connectd |\n")
		p("|---|---|---:|---:|---:|---|---|---|---|---|---|\n")
		for _, c := range r.BrokerCases {
			lat := func(run *Run) string {
				if run == nil {
					return "–"
				}
				return fmt.Sprintf("%.1f / %.1f / %.1f", run.Latency.P50, run.Latency.P95, run.Latency.P99)
			}
			cpu := func(run *Run) string {
				if run == nil {
					return "–"
				}
				return fmt.Sprintf("%.1f", run.CPUPerMsg)
			}
			rate := func(s Search) string {
				if s.Rate == 0 {
					return "none"
				}
				return count(s.Rate)
			}
			var workerCPU string
			if c.Connectd.Run != nil {
				workerCPU = workersCell(c.Connectd.Run.Processes, func(u ProcUsage) float64 { return u.CPUPct }, "%.0f")
			}
			if c.Err != "" {
				p("| %s | %d × %d | error: %s | | | | | | | | |\n", c.Label, c.Workers, c.Tasks, c.Err)
				continue
			}
			p("| %s | %d × %d | %s | %s | %.2f | %s; %s | %s / %s | %s | %s | %s | %s of %s / %s of %s |\n",
				c.Label, c.Workers, c.Tasks, rate(c.MQTT), rate(c.Connectd), c.Ratio, lat(c.MQTT.Run), lat(c.Connectd.Run),
				cpu(c.MQTT.Run), cpu(c.Connectd.Run), workerCPU, c.MQTT.steps(), c.Connectd.steps(),
				count(float64(c.MQTT.Loss.Lost)), count(float64(c.MQTT.Loss.Sent)),
				count(float64(c.Connectd.Loss.Lost)), count(float64(c.Connectd.Loss.Sent)))
		}
		p("\n")
		seen := map[string]bool{}
		for _, c := range r.BrokerCases {
			if c.Description != "" && !seen[c.Broker] {
				seen[c.Broker] = true
				p("- %s: %s\n", c.Label, c.Description)
			}
		}
	}
	if len(r.SinkCases) > 0 {
		p("\n## MQTT sink (Kafka → MQTT)\n\n")
		p("The Kafka baseline's producers write the load (1 KB, the window as above) into a topic of %d partitions; paho "+
			"subscribers in a process of their own (as many as tasks, a shared subscription) are the sink. Bridge: the simplest Go "+
			"pipeline with the same promise, in a process of its own: a sarama consumer group member per task, configured from the "+
			"worker properties as a sink task's consumer, publishing each value to <prefix>/<key> with paho and marking the offset "+
			"once the broker acknowledged it (at most %d publishes unconfirmed). connectd: the MQTT sink connector "+
			"(ByteArrayConverter, mqtt.topic <prefix>/${key}). ratio = connectd / the bridge. CPU µs/msg is the bridge's, or the "+
			"workers'. lost = records produced − messages the subscribers received (by count: the producers are in a process of their own).\n\n", dataPartitions, bridgeInflight)
		p("| QoS | workers × tasks | bridge msg/s | connectd msg/s | ratio | p50 / p95 / p99 ms bridge; connectd | CPU µs/msg bridge / connectd | worker CPU %% | worker peak RSS MB | lost bridge / connectd |\n")
		p("|---|---|---:|---:|---:|---|---|---|---|---|\n")
		for _, c := range r.SinkCases {
			if c.Bridge == nil || c.Connectd == nil || c.Bridge.Err != "" || c.Connectd.Err != "" {
				rate := func(run *Run) string {
					if run == nil || run.Err != "" {
						return "error"
					}
					return count(run.Rate)
				}
				p("| %d | %d × %d | %s | %s | | | | | | |\n", c.QoS, c.Workers, c.Tasks, rate(c.Bridge), rate(c.Connectd))
				continue
			}
			br, cr := c.Bridge, c.Connectd
			p("| %d | %d × %d | %s | %s | %.2f | %.1f / %.1f / %.1f; %.1f / %.1f / %.1f | %.1f / %.1f | %s | %s | %d / %d |\n",
				c.QoS, c.Workers, c.Tasks, count(br.Rate), count(cr.Rate), c.Ratio,
				br.Latency.P50, br.Latency.P95, br.Latency.P99, cr.Latency.P50, cr.Latency.P95, cr.Latency.P99,
				br.CPUPerMsg, cr.CPUPerMsg,
				workersCell(cr.Processes, func(u ProcUsage) float64 { return u.CPUPct }, "%.0f"),
				workersCell(cr.Processes, func(u ProcUsage) float64 { return u.PeakRSSMB }, "%.1f"),
				br.Lost, cr.Lost)
		}
	}
	if len(r.HalfRate) > 0 {
		p("\n## Latency at half the maximum rate\n\n")
		p("connectd at half its maximum rate above, and both baselines at the same rate: their latency is what the machine " +
			"and the harness add to any pipeline.\n\n")
		p("| QoS | size | workers × tasks | target msg/s | achieved | p50 ms | p95 ms | p99 ms | max ms | MQTT baseline p50 / p99 ms | Kafka baseline p50 / p99 ms | worker CPU %% | worker peak RSS MB |\n")
		p("|---|---|---|---:|---:|---:|---:|---:|---:|---|---|---|---|\n")
		for _, h := range r.HalfRate {
			base := func(run *Run) string {
				if run == nil || run.Err != "" {
					return "–"
				}
				return fmt.Sprintf("%.1f / %.1f", run.Latency.P50, run.Latency.P99)
			}
			if h.Run == nil || h.Run.Err != "" {
				p("| %d | %s | %d × %d | | error | | | | | %s | %s | | |\n", h.QoS, size(h.Size), h.Tasks, h.Tasks, base(h.MQTT), base(h.Kafka))
				continue
			}
			u := h.Run
			p("| %d | %s | %d × %d | %s | %s | %.1f | %.1f | %.1f | %.1f | %s | %s | %s | %s |\n", h.QoS, size(h.Size), h.Tasks, h.Tasks,
				count(u.Target), count(u.Rate), u.Latency.P50, u.Latency.P95, u.Latency.P99, u.Latency.Max, base(h.MQTT), base(h.Kafka),
				workersCell(u.Processes, func(x ProcUsage) float64 { return x.CPUPct }, "%.0f"),
				workersCell(u.Processes, func(x ProcUsage) float64 { return x.PeakRSSMB }, "%.1f"))
		}
	}
	if bursts := slices.DeleteFunc([]*Burst{r.Burst, r.SlowBurst}, func(bu *Burst) bool { return bu == nil }); len(bursts) > 0 {
		bu := bursts[0]
		p("\n## Open-loop burst\n\n")
		p("%s QoS 1 messages of %s published by %d publishers as fast as they can, with no window, into a one-task connector: "+
			"only the broker's flow control and the task's back-pressure hold them back. Peak RSS is VmHWM from the first "+
			"publish until the last message is in Kafka. Into a slow Kafka, the in-process Kafka answers every produce "+
			"request that late (the worker's own status and offset writes too), so the broker's window fills the task "+
			"while its records wait.\n\n", count(float64(bu.Messages)), size(bu.Size), bu.Publishers)
		p("| Kafka | sent | in Kafka | lost | duplicated | published in s | in Kafka after s | worker CPU %% | worker peak RSS MB |\n")
		p("|---|---:|---:|---:|---:|---:|---:|---|---|\n")
		for _, bu := range bursts {
			kafka := "as fast as it can"
			if bu.ProduceDelayMs > 0 {
				kafka = fmt.Sprintf("each produce answered after %d ms", bu.ProduceDelayMs)
			}
			if bu.Err != "" {
				kafka += " (error: " + firstLine(bu.Err) + ")"
			}
			p("| %s | %s | %s | %d | %d | %.2f | %.2f | %s | %s |\n", kafka, count(float64(bu.Sent)), count(float64(bu.Received)), bu.Lost,
				bu.Duplicated, bu.PublishS, bu.DrainS,
				workersCell(bu.Workers, func(u ProcUsage) float64 { return u.CPUPct }, "%.0f"),
				workersCell(bu.Workers, func(u ProcUsage) float64 { return u.PeakRSSMB }, "%.1f"))
		}
	}
	p("\n## Startup, failover, listing\n\n")
	for _, w := range r.Idle {
		p("- %s idle after startup: RSS %.1f MB, startup peak %.1f MB (healthy %.0f ms after start)\n", w.Name, w.IdleRSSMB, w.StartPeakMB, w.HealthyMs)
	}
	if rr := r.RESTReady; rr != nil {
		p("- REST ready (process start → first 200 of GET /): median %.0f ms of %v; healthy (GET /health 200): median %.0f ms of %v\n",
			rr.MedianMs, rr.RESTMs, rr.MedianHlthy, rr.HealthyMs)
	}
	if f := r.Failover; f != nil {
		p("- failover, kill -9 of the worker running the task (3 workers, 1 task, %s msg/s QoS 1): task RUNNING elsewhere after median %.1f s of %v; "+
			"records published after the kill reach Kafka after median %.1f s of %v\n", count(f.Rate), f.MedianRunningS, f.RunningS, f.MedianResumeS, f.ResumeS)
	}
	if l := r.List; l != nil {
		state := "spread evenly over the workers"
		if !l.Balanced {
			state = "**not** spread evenly after 2 min"
		}
		p("- GET /connectors?expand=status with %s connectors (%s; created and %s in %.1f s, per worker %v): p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d requests; body %.0f KB\n",
			count(float64(l.Connectors)), l.Method, state, l.CreateS, l.Spread, l.P50Ms, l.P99Ms, l.MaxMs, l.Requests, l.BodyKB)
	}
	if len(r.Profiles) > 0 {
		p("- profiles: %s\n", strings.Join(r.Profiles, ", "))
	}
	b.WriteString(r.scaleMarkdown())
	if len(r.Errors) > 0 {
		p("\n## Errors\n\n")
		for _, e := range r.Errors {
			p("- %s\n", e)
		}
	}
	return b.String()
}
