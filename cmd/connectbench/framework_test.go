package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestParsePipes(t *testing.T) {
	got, err := parsePipes("connectd, c-bridge,mqtt,,go-bridge,connectd")
	if err != nil {
		t.Fatal(err)
	}
	// The matrix's order, whatever the flag's: baselines, bridges, connectd; each once.
	if want := []pipe{pipeMQTT, pipeGoBridge, pipeCBridge, pipeConnectd}; !slices.Equal(got, want) {
		t.Errorf("parsePipes = %v, want %v", got, want)
	}
	for _, bad := range []string{"", " , ", "connectd,bridge", "sink"} {
		if _, err := parsePipes(bad); err == nil {
			t.Errorf("parsePipes(%q) accepted it", bad)
		}
	}
}

func TestConnectionsPerTask(t *testing.T) {
	for _, c := range []struct {
		cfg   map[string]any
		tasks int
		want  int
	}{
		{map[string]any{}, 1, 4},
		{map[string]any{}, 3, 4},
		{map[string]any{"camel.kamelet.mqtt-source.clean.session.enabled": true}, 1, 4},
		// A persistent session of a connector's only task gets one connection (connector/mqtt defaultConnections).
		{map[string]any{"camel.kamelet.mqtt-source.clean.session.enabled": false}, 1, 1},
		{map[string]any{"camel.kamelet.mqtt-source.clean.session.enabled": "false"}, 3, 4},
		{map[string]any{"mqtt.connections.per.task": "2"}, 1, 2},
		{map[string]any{"mqtt.connections.per.task": json.Number("8"), "camel.kamelet.mqtt-source.clean.session.enabled": false}, 1, 8},
		{map[string]any{"mqtt.connections.per.task": nil}, 3, 4},
	} {
		if got := connectionsPerTask(c.cfg, c.tasks); got != c.want {
			t.Errorf("connectionsPerTask(%v, %d) = %d, want %d", c.cfg, c.tasks, got, c.want)
		}
	}
}

func TestSubscriptionFilter(t *testing.T) {
	if got := subscriptionFilter("/a/#", "r1", 1); got != "/a/#" {
		t.Errorf("one connection: %q", got)
	}
	if got := subscriptionFilter("/a/#", "r1", 4); got != "$share/r1//a/#" {
		t.Errorf("four connections: %q", got)
	}
}

func TestGoBridgeArgsParse(t *testing.T) {
	s := goBridgeSpec{props: "/p", topic: "t", url: "tcp://h:1", prefix: "r1", filter: "/a/#", share: "r1", tasks: 3, conns: 4, qos: 1}
	args := s.args()
	if args[0] != roleGoBridge {
		t.Fatalf("role %q", args[0])
	}
	// The child fails on the missing properties file, after its flags parsed.
	err := runBaselineGoBridge(args[1:], strings.NewReader(""), &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "/p") {
		t.Errorf("runBaselineGoBridge: %v, want an error about the properties file", err)
	}
}

func TestCPipelineArgs(t *testing.T) {
	p := cPipeline{clientID: "r1-c-bridge-0", filter: "$share/r1//a/#", qos: 1, host: "127.0.0.1", port: "1883",
		brokers: []string{"k1:9092", "k2:9092"}, topic: "bench-r1"}
	sub := strings.Join(p.subArgs(), " ")
	if want := `-h 127.0.0.1 -p 1883 -i r1-c-bridge-0 -q 1 -t $share/r1//a/# -F %t\t%p`; sub != want {
		t.Errorf("mosquitto_sub %s\nwant          %s", sub, want)
	}
	kc := p.kcatArgs()
	joined := strings.Join(kc, " ")
	for _, want := range []string{"-P", "-b k1:9092,k2:9092", "-t bench-r1", `-K \t`, "-H CamelHeader.CamelMqttQoS=1",
		"-X acks=all", "-X enable.idempotence=true", "-X max.in.flight.requests.per.connection=1", "-X linger.ms=0",
		"-X partitioner=murmur2_random"} {
		if !strings.Contains(joined, want) {
			t.Errorf("kcat %s: no %q", joined, want)
		}
	}
}

func TestBrokerHostPort(t *testing.T) {
	host, port, err := brokerHostPort("tcp://127.0.0.1:41883")
	if err != nil || host != "127.0.0.1" || port != "41883" {
		t.Errorf("brokerHostPort = %q, %q, %v", host, port, err)
	}
	for _, bad := range []string{"ssl://h:8883", "tcp://h", "h:1883", "tcp://:1883"} {
		if _, _, err := brokerHostPort(bad); err == nil {
			t.Errorf("brokerHostPort(%q) accepted it", bad)
		}
	}
}

func frameworkReport() *Report {
	run := func(rate, cpu float64) *Run { return &Run{Rate: rate, CPUPerMsg: cpu} }
	return &Report{
		Framework: &Framework{ConnectionsPerTask: map[string]int{"1": 4, "several": 4}, GoBridge: "paho → sarama", CBridge: "mosquitto_sub | kcat"},
		Cases: []Case{
			{QoS: 0, Size: 1024, Workers: 1, Tasks: 1, Connectd: run(9500, 20), GoBridge: run(10000, 15), CBridge: run(12000, 10),
				RatioGoBridge: 0.95, RatioCBridge: 9500.0 / 12000},
			{QoS: 1, Size: 1024, Workers: 1, Tasks: 1, Connectd: &Run{Rate: 9000, Lost: 3}, GoBridge: run(9500, 15), CBridge: run(9000, 10),
				RatioGoBridge: 9000.0 / 9500, RatioCBridge: 1},
			{QoS: 0, Size: 200, Workers: 1, Tasks: 1, Connectd: run(1, 1), GoBridge: run(1, 1), RatioGoBridge: 1}, // not a goal cell
			{QoS: 0, Size: 1024, Workers: 3, Tasks: 3, Connectd: run(8000, 30), GoBridge: &Run{Err: "boom"}, CBridge: run(9000, 10), RatioCBridge: 8000.0 / 9000},
			// A bridge that lost messages is slower than one that did the job: connectd's ratio would look met.
			{QoS: 1, Size: 1024, Workers: 3, Tasks: 3, Connectd: run(8000, 30), GoBridge: &Run{Rate: 6000, Lost: 1200}, CBridge: run(9000, 10),
				RatioGoBridge: 8000.0 / 6000, RatioCBridge: 8000.0 / 9000},
		},
	}
}

func TestFrameworkGoals(t *testing.T) {
	r := frameworkReport()
	r.evaluateGoals()
	want := map[string]string{
		"QoS 0, 1 KB, 1 worker 1 task: connectd / the Go bridge":   "met",
		"QoS 1, 1 KB, 1 worker 1 task: connectd / the Go bridge":   "missed", // 0.95, but 3 lost
		"QoS 0, 1 KB, 1 worker 1 task: connectd / the C bridge":    "missed", // 0.79
		"QoS 1, 1 KB, 1 worker 1 task: connectd / the C bridge":    "missed", // lost
		"QoS 0, 1 KB, 3 workers 3 tasks: connectd / the Go bridge": "not measured",
		"QoS 0, 1 KB, 3 workers 3 tasks: connectd / the C bridge":  "met",
		"QoS 1, 1 KB, 3 workers 3 tasks: connectd / the Go bridge": "not measured", // 1.33, but the bridge lost 1,200
		"QoS 1, 1 KB, 3 workers 3 tasks: connectd / the C bridge":  "met",
	}
	got := map[string]string{}
	for _, g := range r.Goals {
		if strings.Contains(g.Name, "bridge") {
			got[g.Name] = strings.Trim(verdict(g.Met), "*")
		}
	}
	for name, v := range want {
		if got[name] != v {
			t.Errorf("goal %q: %q, want %q", name, got[name], v)
		}
	}
	// The 200 B cell is not a goal cell.
	if len(got) != len(want) {
		t.Errorf("bridge goals %v, want %d", got, len(want))
	}
	for _, g := range r.Goals {
		if strings.HasPrefix(g.Name, "QoS 1, 1 KB, 3 workers 3 tasks: connectd / the Go bridge") && !strings.Contains(g.Measured, "the Go bridge lost 1,200 messages") {
			t.Errorf("goal %q: measured %q, want why it was not", g.Name, g.Measured)
		}
	}

	// A C bridge that could not run is named as such.
	r = frameworkReport()
	r.Framework.CBridge, r.Framework.CBridgeSkipped = "", "kcat not installed"
	r.evaluateGoals()
	for _, g := range r.Goals {
		if strings.Contains(g.Name, "C bridge") && (g.Met != nil || !strings.Contains(g.Measured, "kcat not installed")) {
			t.Errorf("goal %q: %q, %v", g.Name, g.Measured, g.Met)
		}
	}
}

func TestFrameworkMarkdown(t *testing.T) {
	r := frameworkReport()
	r.evaluateGoals()
	md := r.Markdown()
	for _, want := range []string{
		"## Framework baseline (MQTT → Kafka)",
		"- Go bridge: paho → sarama. MQTT connections per task: 4 with one task, 4 with several",
		"- C bridge: mosquitto_sub | kcat. Differs from a task:",
		"| 0 | 1 KB | 1 × 1 | 10,000 | 12,000 | 9,500 | 0.95 | 0.79 | 15.0 / 10.0 / 20.0 | 0 / 0 / 0 |",
		"| 1 | 1 KB | 1 × 1 | 9,500 | 9,000 | 9,000 | 0.95 | 1.00 | 15.0 / 10.0 / 0.0 | 0 / 0 / 3 |",
		"| 0 | 200 B | 1 × 1 | 1 | – | 1 | 1.00 | – |",
		"| 0 | 1 KB | 3 × 3 | error | 9,000 | 8,000 | – | 0.89 | – / 10.0 / 30.0 | – / 0 / 0 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown has no %q:\n%s", want, md)
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"framework_baseline":{`, `"go_bridge":{`, `"ratio_c_bridge":`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("json has no %s", want)
		}
	}

	r.Framework = &Framework{CBridgeSkipped: "kcat not installed"}
	if md := r.Markdown(); !strings.Contains(md, "- C bridge: skipped, kcat not installed.") {
		t.Errorf("markdown does not say why the C bridge was skipped:\n%s", md)
	}
}

func TestToolVersions(t *testing.T) {
	sub := "mosquitto_sub is a simple mqtt client that will subscribe to a set of topics and print all messages it receives.\nmosquitto_sub version 2.0.11 running on libmosquitto 2.0.11.\n\nUsage: mosquitto_sub ...\n"
	kcat := "kcat - Apache Kafka producer and consumer tool\nhttps://github.com/edenhill/kcat\nCopyright (c) 2014-2021, Magnus Edenhill\n" +
		"Version 1.7.1 (JSON, Transactions, IncrementalAssign, librdkafka 2.0.2 builtin.features=gzip,snappy)\n"
	if got, want := toolVersions(sub, kcat), "mosquitto_sub 2.0.11, kcat 1.7.1 with librdkafka 2.0.2"; got != want {
		t.Errorf("toolVersions = %q, want %q", got, want)
	}
	if got, want := toolVersions("", "Version 1.5.0\n"), "mosquitto_sub ?, kcat 1.5.0 with librdkafka ?"; got != want {
		t.Errorf("toolVersions = %q, want %q", got, want)
	}
}
