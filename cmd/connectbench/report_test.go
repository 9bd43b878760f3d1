package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func testReport() *Report {
	run := func(rate, p99 float64, rss ...float64) *Run {
		r := &Run{Rate: rate, MBps: rate * 1024 / 1e6, Latency: Latency{P50: 1, P95: 2, P99: p99, Max: p99}, CPUPerMsg: 12.5}
		for i, m := range rss {
			r.Processes = append(r.Processes, ProcUsage{Name: "w" + string(rune('1'+i)), CPUPct: 50, PeakRSSMB: m})
		}
		return r
	}
	half0, half1 := run(4500, 12.5, 30), run(2000, 25, 30)
	half0.Target, half1.Target = 4500, 2050
	return &Report{
		Machine:  Machine{CPU: "Test CPU", Cores: 2, MemoryMB: 4096, Kernel: "Linux 6", Go: "go1.26", Broker: "mochi", Kafka: "kfake"},
		Settings: Settings{Publishers: 4, Window: 1000, Warmup: "2s", Steady: "5s", Converter: "json", WorkerConfig: map[string]string{"session.timeout.ms": "6000"}},
		Cases: []Case{
			{QoS: 0, Size: 1024, Workers: 1, Tasks: 1, MQTT: run(20000, 5), Kafka: run(10000, 5), Connectd: run(9000, 30, 40), Ratio: 0.9},
			{QoS: 1, Size: 1024, Workers: 1, Tasks: 1, MQTT: run(8000, 5), Kafka: run(10000, 5), Connectd: run(4000, 30, 70), Ratio: 0.5},
			{QoS: 0, Size: 1024, Workers: 3, Tasks: 3, MQTT: run(20000, 5), Kafka: run(10000, 5), Connectd: &Run{Err: "boom"}},
		},
		HalfRate:  []HalfRate{{QoS: 0, Size: 1024, Tasks: 1, Run: half0, MQTT: run(4500, 3), Kafka: run(4500, 4)}, {QoS: 1, Size: 1024, Tasks: 1, Run: half1}},
		Idle:      []WorkerIdle{{Name: "w1", IdleRSSMB: 20, StartPeakMB: 21}},
		RESTReady: &RESTReady{RESTMs: []float64{7, 9, 8}, HealthyMs: []float64{12, 14, 13}, MedianMs: 8, MedianHlthy: 13},
		Failover:  &Failover{RunningS: []float64{7, 8, 9}, ResumeS: []float64{7.1, 8.1, 9.1}, MedianRunningS: 8, MedianResumeS: 8.1, Rate: 1000},
		Burst: &Burst{Messages: 50000, Size: 1024, QoS: 1, Publishers: 4, PublishS: 2.5, DrainS: 3.25, Sent: 50000,
			Received: 50000, Duplicated: 3, Workers: []ProcUsage{{Name: "w1", CPUPct: 40, PeakRSSMB: 37.5}}},
		SlowBurst: &Burst{Messages: 50000, Size: 1024, QoS: 1, Publishers: 4, ProduceDelayMs: 500, PublishS: 9, DrainS: 12.5, Sent: 50000,
			Received: 50000, Workers: []ProcUsage{{Name: "w1", CPUPct: 30, PeakRSSMB: 71.25}}},
		BrokerCases: []BrokerCase{
			{Broker: "mosquitto", Label: "Mosquitto defaults", QoS: 1, Size: 1024, Workers: 1, Tasks: 1, Ratio: 1.25,
				MQTT: Search{Rate: 16000, Run: run(16000, 9), Steps: []*Run{{Target: 16000, Rate: 16000}, {Target: 20000, Rate: 18500, Lost: 8551}},
					Loss: Loss{Runs: 2, Sent: 140000, Lost: 8551}},
				Connectd: Search{Rate: 20000, Run: run(20000, 58, 30), Steps: []*Run{{Target: 20000, Rate: 19900}},
					Loss: Loss{Runs: 1, Sent: 80000}}},
			{Broker: "emqx", Label: "Mosquitto as EMQX", QoS: 1, Size: 1024, Workers: 3, Tasks: 3, Ratio: 0.64,
				MQTT:     Search{Rate: 25000, Run: run(25000, 9)},
				Connectd: Search{Rate: 16000, Run: run(16000, 58, 30, 31, 32)}},
			{Broker: "emqx", Label: "Mosquitto as EMQX", QoS: 1, Size: 1024, Workers: 1, Tasks: 1, Err: "no mosquitto"},
		},
		SinkCases: []SinkCase{
			{QoS: 1, Size: 1024, Workers: 1, Tasks: 1, Bridge: run(10000, 20), Connectd: run(9000, 40, 33), Ratio: 0.9},
			{QoS: 0, Size: 1024, Workers: 3, Tasks: 3, Bridge: run(10000, 20), Connectd: &Run{Err: "no sink"}},
		},
		List: &ListLatency{Connectors: 1000, Method: "POST", CreateS: 12, Balanced: true, Spread: []int{334, 333, 333}, ListTiming: ListTiming{Requests: 200, P50Ms: 5, P99Ms: 9, MaxMs: 11, BodyKB: 130}},
	}
}

func TestGoals(t *testing.T) {
	r := testReport()
	r.evaluateGoals()
	want := map[string]string{
		"QoS 0, 1 KB, 1 worker 1 task: connectd / smaller baseline":                   "met",
		"QoS 0, 1 KB, 3 workers 3 tasks: connectd / smaller baseline":                 "not measured",
		"QoS 1, 1 KB, 1 worker 1 task: rate / connectd's QoS 0 rate":                  "missed", // 4000/9000
		"QoS 1, 1 KB, 3 workers 3 tasks: rate / connectd's QoS 0 rate":                "not measured",
		"p99 latency at half the max rate, QoS 0, 1 KB, 1 worker 1 task":              "met",
		"p99 latency at half the max rate, QoS 1, 1 KB, 1 worker 1 task":              "missed",
		"peak RSS idle, per worker":                                                   "met",
		"peak RSS at max rate, per worker":                                            "missed", // 70 MB
		"REST ready after process start":                                              "met",
		"failover after kill -9 (task RUNNING elsewhere)":                             "met",
		"peak RSS in an open-loop burst of 50,000 QoS 1 messages of 1 KB, per worker": "met",
		"peak RSS in an open-loop burst of 50,000 QoS 1 messages of 1 KB, per worker, Kafka answering each produce request after 500 ms": "missed", // 71.25 MB
		"QoS 1, 1 KB, Mosquitto defaults, 1 worker 1 task: connectd's lossless open-loop rate / a bare subscriber's":                     "met",
		"QoS 1, 1 KB, Mosquitto as EMQX, 3 workers 3 tasks: connectd's lossless open-loop rate / a bare subscriber's":                    "missed",
		"QoS 1, 1 KB, Mosquitto as EMQX, 1 worker 1 task: connectd's lossless open-loop rate / a bare subscriber's":                      "not measured",
		"MQTT sink, QoS 1, 1 KB, 1 worker 1 task: connectd / a bare consumer → publisher bridge":                                         "met",
		"MQTT sink, QoS 0, 1 KB, 3 workers 3 tasks: connectd / a bare consumer → publisher bridge":                                       "not measured",
	}
	got := map[string]string{}
	for _, g := range r.Goals {
		got[g.Name] = strings.Trim(verdict(g.Met), "*")
	}
	for name, v := range want {
		if got[name] != v {
			t.Errorf("goal %q: %q, want %q (all: %v)", name, got[name], v, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d goals, want %d: %v", len(got), len(want), got)
	}
}

func TestMarkdown(t *testing.T) {
	r := testReport()
	r.evaluateGoals()
	md := r.Markdown()
	for _, s := range []string{
		"Test CPU, 2 cores, 4.0 GiB",
		"| 0 | 1 KB | 1 × 1 | 20,000 | 10,000 | 9,000 | 9.2 | 0.90 | 1.0 / 2.0 / 30.0 | 12.5 / 12.5 / 12.5 | 50 | 40.0 |",
		"| 0 | 1 KB | 3 × 3 | 20,000 | 10,000 | error |",
		"| 1 | 1 KB | 1 × 1 | 2,050 | 2,000 | 1.0 | 2.0 | 25.0 | 25.0 | – | – | 50 | 30.0 |",
		"| 0 | 1 KB | 1 × 1 | 4,500 | 4,500 | 1.0 | 2.0 | 12.5 | 12.5 | 1.0 / 3.0 | 1.0 / 4.0 |",
		"12.5 ms at 4,500 msg/s (baselines: MQTT 3.0 ms, Kafka 4.0 ms)",
		"failover after kill -9 (task RUNNING elsewhere) | ≤ 10 s | 8.0 s median of 3",
		"GET /connectors?expand=status with 1,000 connectors",
		"| as fast as it can | 50,000 | 50,000 | 0 | 3 | 2.50 | 3.25 | 40 | 37.5 |",
		"| each produce answered after 500 ms | 50,000 | 50,000 | 0 | 0 | 9.00 | 12.50 | 30 | 71.2 |",
		"37.5 MB (w1); lost 0, duplicated 3",
		"| Mosquitto defaults | 1 × 1 | 16,000 | 20,000 | 1.25 | 1.0 / 2.0 / 9.0; 1.0 / 2.0 / 58.0 | 12.5 / 12.5 | 50 | 16,000 ok · 20,000 lost 8,551 | 20,000 ok | 8,551 of 140,000 / 0 of 80,000 |",
		"| Mosquitto as EMQX | 3 × 3 | 25,000 | 16,000 | 0.64 |",
		"0.64 (16,000 / 25,000 msg/s) | **missed**",
		"| Mosquitto as EMQX | 1 × 1 | error: no mosquitto |",
		"| 1 | 1 × 1 | 10,000 | 9,000 | 0.90 | 1.0 / 2.0 / 20.0; 1.0 / 2.0 / 40.0 | 12.5 / 12.5 | 50 | 33.0 | 0 / 0 |",
		"| 0 | 3 × 3 | 10,000 | error | |",
	} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q:\n%s", s, md)
		}
	}
	// Every table row has as many cells as its header.
	var cols int
	for line := range strings.Lines(md) {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := strings.Count(line, "|")
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Errorf("row with %d separators in a table of %d: %s", n, cols, line)
		}
	}
	if _, err := json.Marshal(r); err != nil {
		t.Fatal(err)
	}
}

func TestSinkGoalNeedsALosslessBridge(t *testing.T) {
	r := testReport()
	r.SinkCases[0].Bridge.Lost = 12
	r.evaluateGoals()
	for _, g := range r.Goals {
		if strings.HasPrefix(g.Name, "MQTT sink, QoS 1, 1 KB, 1 worker 1 task") {
			if g.Met != nil || !strings.Contains(g.Measured, "the bridge lost 12 messages") {
				t.Fatalf("a sink goal against a bridge that lost messages: %+v", g)
			}
			return
		}
	}
	t.Fatal("no sink goal for QoS 1, one task")
}

func TestBurstGoalFailsOnLoss(t *testing.T) {
	r := testReport()
	r.Burst.Received, r.Burst.Lost = 49990, 10
	r.evaluateGoals()
	for _, g := range r.Goals {
		if strings.HasPrefix(g.Name, "peak RSS in an open-loop burst") && (g.Met == nil || *g.Met) {
			t.Fatalf("a burst that lost messages met its goal: %+v", g)
		}
	}
}

func TestCount(t *testing.T) {
	for f, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1234567.4: "1,234,567", -1500: "-1,500"} {
		if got := count(f); got != want {
			t.Errorf("count(%v) = %q, want %q", f, got, want)
		}
	}
}
