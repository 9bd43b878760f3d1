//go:build integration

package integration

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	resultsMu sync.Mutex
	results   []result
)

func record(r result) {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	results = append(results, r)
	fmt.Fprintln(os.Stderr, tableHeader()+"\n"+r.row())
}

func tableHeader() string {
	return "| scenario | sent | received | lost | duplicated | republished | recovery | result | notes |\n" +
		"|---|---:|---:|---:|---:|---:|---:|---|---|"
}

func (r result) row() string {
	verdict := "FAIL"
	if r.Pass {
		verdict = "pass"
	}
	return fmt.Sprintf("| %s | %d | %d | %d | %d | %d | %s | %s | %s |", r.Scenario, r.Sent, r.Received, r.Lost,
		r.Duplicated, r.Republished, r.Recovery, verdict, r.Notes)
}

// writeResults prints the table and writes it to .run/results.md.
func writeResults(e *env) {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	var b strings.Builder
	b.WriteString(tableHeader() + "\n")
	for _, r := range results {
		b.WriteString(r.row() + "\n")
	}
	fmt.Fprintf(os.Stderr, "\nscenario results:\n%s", b.String())
	if err := os.WriteFile(filepath.Join(e.run, "results.md"), []byte(b.String()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "integration: write results:", err)
	}
}

// mqttConfig is the user's testdata/mqtt-connector.json pointed at the suite's Mosquitto, with a persistent
// QoS 1 session and topics of its own.
func mqttConfig(t testing.TB, e *env, name, kafkaTopic string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.root, "testdata", "mqtt-connector.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Config map[string]any `json:"config"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	c := doc.Config
	c["topics"] = kafkaTopic
	c["camel.kamelet.mqtt-source.brokerUrl"] = mqttURL
	c["camel.kamelet.mqtt-source.clientId"] = "it-" + name
	c["camel.kamelet.mqtt-source.topic"] = "/mqtt/test/" + name + "/#"
	c["camel.kamelet.mqtt-source.qos"] = "1"
	c["camel.kamelet.mqtt-source.clean.session.enabled"] = false
	return c
}

// trafficCase is a scenario that publishes while a fault happens.
type trafficCase struct {
	name    string
	n       int    // messages
	rate    int    // per second, 0: as fast as the window allows
	window  int    // unacknowledged messages in flight
	faultAt int    // acknowledged messages before the fault
	tasks   int    // tasks.max, 0: the user's 1
	broker  string // MQTT broker URL, "": mqttURL (the tuned Mosquitto)
	// config adjusts the connector's config, e.g. to turn the spool on.
	config func(cfg map[string]any)
	// setup prepares the cluster before the connector is created; restore, if not nil, undoes it at the end.
	setup func(t *testing.T, e *env) (restore func())
	// notes open the table's notes, e.g. how the rate was chosen.
	notes string
	// sustain fails the scenario when the publisher fell below minPublished × rate: the rate was then not tested.
	sustain bool
	// exactlyOnce also fails the scenario on duplicates: right for steady state, where no task restarts.
	exactlyOnce bool
	// fault injects the failure and waits for what the scenario expects of the cluster.
	fault func(t *testing.T, e *env, f *flow) outcome
	// check runs once the connector is RUNNING, before any traffic, and returns notes for the table.
	check func(t *testing.T, e *env, conn string) string
}

// outcome is what a fault reports: notes for the table, a function that repairs the fault once the traffic is
// accounted for, and the instant recovery is measured from (zero: the fault itself).
type outcome struct {
	notes  string
	repair func()
	since  time.Time
}

func TestScenarios(t *testing.T) {
	e := theEnv
	cases := []trafficCase{
		{name: "steady", n: 100_000, window: 1000},
		{name: "kill-task-worker", n: 20_000, rate: 1000, window: 500, faultAt: 5000, fault: killTaskWorker},
		{name: "mosquitto-restart", n: 20_000, rate: 1000, window: 500, faultAt: 5000, fault: restartMosquitto},
		{name: "kill-kafka-leader", n: 20_000, rate: 1000, window: 500, faultAt: 5000, fault: killKafkaLeader},
		{name: "spread-3-tasks", n: 30_000, window: 1000, tasks: 3, exactlyOnce: true, check: threeWorkers},
		{name: "kafka-down-60s", n: 90_000, rate: 1000, window: 500, faultAt: 5000, fault: kafkaDown(60 * time.Second)},
		// The spool on Mosquitto's defaults, whose queue holds 1,000 messages per session (spool_test.go).
		{name: "kafka-down-60s-spool", n: 90_000, rate: 1000, window: 500, faultAt: 5000, broker: mqttDefaultsURL,
			config: spoolOn, fault: kafkaOutage(60*time.Second, spoolAtEnd)},
		{name: "kill-worker-full-spool", n: 20_000, rate: 1000, window: 500, faultAt: 2000, broker: mqttDefaultsURL,
			config: spoolOn, setup: onlyFirstWorker, fault: killWorkerFullSpool},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			runTraffic(t, e, c)
		})
	}
	// Mosquitto as users run it: its defaults, and set like EMQX's (brokers_test.go), at the rate a bare
	// subscriber sustains there while Kafka carries that traffic. While the bare subscriber was probed beside
	// an idle Kafka, the Mosquitto-defaults rows passed every time (6,000-12,000 msg/s), and the EMQX-like
	// ones, held to 13,500-18,000 msg/s, lost messages in three of five: at those rates the machine had no CPU
	// to spare once Kafka took the traffic (even the publisher fell to 0.78-0.87 of the rate in two). The bar
	// is lower now (5,200-10,000 msg/s over five runs): the rate this machine carries end to end with Kafka
	// on it, not the rate Mosquitto alone delivers to one subscriber. The bare subscriber pays Kafka's CPU but
	// never waits for Kafka; riding out Kafka's delays within the sessions' queues remains connectd's alone.
	// README "Reliability" has the runs.
	sustainedCases := []struct {
		name, broker string
		config       func(map[string]any)
	}{
		{"defaults-sustained", mqttDefaultsURL, nil},
		{"defaults-sustained-spool", mqttDefaultsURL, spoolOn},
		{"emqx-like-sustained", mqttEMQXURL, nil},
		{"emqx-like-sustained-spool", mqttEMQXURL, spoolOn},
	}
	for _, c := range sustainedCases {
		t.Run(c.name, sustained(c.name, c.broker, c.config))
	}
	t.Run("spool-disk-full", func(t *testing.T) { spoolDiskFull(t, e) })
	t.Run("restart-all-workers", func(t *testing.T) { restartAllWorkers(t, e) })
	t.Run("leader-killed-during-creates", func(t *testing.T) { leaderKilledDuringCreates(t, e) })
	t.Run("rest-during-rebalance", func(t *testing.T) { restDuringRebalance(t, e) })
}

// flow is a scenario's connector and the traffic through it.
type flow struct {
	topic, conn string
	tr          *tracker
	pub         *publisher
	// ctx ends when the test does, stopping the consumer.
	ctx context.Context
}

// startFlow creates c's topic and connector (on c.broker, with c.config), waits until its tasks run, starts a
// consumer of the topic into a tracker of c.n messages and publishes probes until one crosses to Kafka. The
// consumer and the publisher stop when the test ends.
func startFlow(t *testing.T, e *env, c trafficCase) *flow {
	t.Helper()
	f := &flow{topic: "it-" + c.name, conn: "mqtt-" + c.name, tr: newTracker(c.n)}
	if err := createTopic(f.topic); err != nil {
		t.Fatal(err)
	}
	tasks := max(c.tasks, 1)
	broker := cmp.Or(c.broker, mqttURL)
	cfg := mqttConfig(t, e, c.name, f.topic)
	cfg["tasks.max"] = fmt.Sprint(tasks)
	cfg["camel.kamelet.mqtt-source.brokerUrl"] = broker
	if c.config != nil {
		c.config(cfg)
	}
	e.mustREST(t, http.MethodPut, "/connectors/"+f.conn+"/config", cfg, 200, 201)
	e.waitStatus(t, f.conn, 90*time.Second, "RUNNING", running(tasks))

	ctx, cancel := context.WithCancel(context.Background())
	f.ctx = ctx
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		if err := consume(ctx, f.topic, f.tr); err != nil {
			t.Error(err)
		}
	}()
	t.Cleanup(func() { cancel(); <-consumed })

	pub, err := newPublisher(broker, "it-pub-"+c.name, "/mqtt/test/"+c.name+"/v", c.name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pub.close)
	f.pub = pub
	// The task subscribes some time after RUNNING; probes show when the path MQTT → Kafka is open.
	if err := poll(ctx, 90*time.Second, func() (bool, error) {
		pub.publishOne(ctx, -1, f.tr)
		f.tr.mu.Lock()
		defer f.tr.mu.Unlock()
		return f.tr.probes > 0, nil
	}); err != nil {
		t.Fatalf("no probe reached Kafka: %v", err)
	}
	return f
}

// runTraffic runs one connector, publishes c.n messages, injects the fault, and accounts for every message.
func runTraffic(t *testing.T, e *env, c trafficCase) {
	res := result{Scenario: c.name, Recovery: "-"}
	defer func() {
		res.Pass = !t.Failed()
		record(res)
	}()
	if c.setup != nil {
		if restore := c.setup(t, e); restore != nil {
			defer restore()
		}
	}
	f := startFlow(t, e, c)
	conn, tr, pub, ctx := f.conn, f.tr, f.pub, f.ctx
	var checkNotes string
	if c.check != nil {
		checkNotes = c.check(t, e, conn)
	}

	start := time.Now()
	published := make(chan struct{})
	go func() {
		defer close(published)
		pub.run(ctx, c.n, c.rate, c.window, tr)
	}()
	var out outcome
	var fault time.Time
	if c.fault != nil {
		if err := poll(ctx, 5*time.Minute, func() (bool, error) { return tr.acked.Load() >= int64(c.faultAt), nil }); err != nil {
			t.Fatalf("publishing stalled before the fault: %v", err)
		}
		fault = time.Now()
		out = c.fault(t, e, f)
		res.Notes = out.notes
		if !out.since.IsZero() {
			fault = out.since
		}
	}
	select {
	case <-published:
	case <-time.After(8 * time.Minute):
		t.Fatalf("publishing did not finish: %d acknowledged", tr.acked.Load())
	}
	pubDur := time.Since(start)
	if err := poll(ctx, 3*time.Minute, func() (bool, error) { return tr.complete(), nil }); err != nil {
		t.Errorf("not every message arrived: %v", err)
	}
	waitStill(ctx, tr)
	res.Sent, res.Received, res.Lost, res.Duplicated = tr.account()
	res.Republished = tr.republished.Load()
	if !out.since.IsZero() {
		if d, ok := tr.firstAfter(out.since); ok {
			res.Recovery = d.Round(100 * time.Millisecond).String()
		} else {
			res.Recovery = "none"
		}
	} else if !fault.IsZero() {
		if d, ok := tr.recovery(fault); ok {
			res.Recovery = d.Round(100 * time.Millisecond).String()
		} else {
			res.Recovery = "none"
		}
	} else {
		rate := float64(res.Sent) / pubDur.Seconds()
		res.Notes = fmt.Sprintf("%.0f msg/s published", rate)
		if c.sustain && rate < minPublished*float64(c.rate) {
			t.Errorf("the publisher reached %.0f of %d msg/s: the rate was not tested", rate, c.rate)
		}
	}
	for _, n := range []string{checkNotes, c.notes} {
		if n != "" {
			res.Notes = n + "; " + res.Notes
		}
	}
	if c.exactlyOnce && res.Duplicated != 0 {
		t.Errorf("%d duplicates in steady state", res.Duplicated)
	}
	if res.Lost != 0 {
		t.Errorf("%d of %d messages lost", res.Lost, res.Sent)
	}
	if res.Sent != c.n {
		t.Errorf("%d of %d messages acknowledged by Mosquitto", res.Sent, c.n)
	}
	if out.repair != nil {
		out.repair()
	}
	e.mustREST(t, http.MethodDelete, "/connectors/"+conn, nil, 204)
}

// killTaskWorker kills -9 the worker running task 0 and waits for the task to run elsewhere.
func killTaskWorker(t *testing.T, e *env, f *flow) outcome {
	conn := f.conn
	victim := e.task0Worker(t, conn)
	killed := time.Now()
	victim.stop(syscall.SIGKILL)
	moved := e.waitStatus(t, conn, 2*time.Minute, "task moved", func(s connectorStatus) bool {
		return running(1)(s) && s.Tasks[0].WorkerID != victim.id()
	})
	notes := fmt.Sprintf("task %s→%s, RUNNING after %s", victim.id(), moved.Tasks[0].WorkerID,
		time.Since(killed).Round(100*time.Millisecond))
	return outcome{notes: notes, repair: func() {
		if err := victim.start(); err != nil {
			t.Error(err)
		}
		if err := e.waitWorkers(2 * time.Minute); err != nil {
			t.Errorf("restarted worker %s: %v", victim.name(), err)
		}
	}}
}

// restartMosquitto stops Mosquitto cleanly (it saves the queued messages) and starts it again; recovery counts
// from the moment it accepts connections again.
func restartMosquitto(t *testing.T, e *env, _ *flow) outcome {
	if err := e.script("mosquitto.sh", "stop"); err != nil {
		t.Fatal(err)
	}
	if err := e.script("mosquitto.sh", "start"); err != nil {
		t.Fatal(err)
	}
	return outcome{notes: "clean stop and start; recovery from the start", since: time.Now()}
}

// killKafkaLeader kills -9 the broker leading the connector's topic; the connector must stay RUNNING.
func killKafkaLeader(t *testing.T, e *env, f *flow) outcome {
	conn, topic := f.conn, f.topic
	id, err := leaderOf(topic)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.script("kafka.sh", "kill", fmt.Sprint(id)); err != nil {
		t.Fatal(err)
	}
	// Sample the status while the cluster runs on two brokers.
	var states []string
	_ = poll(context.Background(), 10*time.Second, func() (bool, error) {
		if st, err := e.status(conn); err == nil && !running(1)(st) {
			states = append(states, st.Connector.State)
		}
		return false, nil
	})
	if len(states) > 0 {
		t.Errorf("connector left RUNNING after the broker kill: %v", states)
	}
	return outcome{notes: fmt.Sprintf("broker %d killed", id), repair: func() {
		if err := e.script("kafka.sh", "start-node", fmt.Sprint(id)); err != nil {
			t.Error(err)
		}
	}}
}

// snapshot is what must survive a restart of every worker.
type snapshot struct {
	Connectors []string
	Configs    map[string]map[string]string
	States     map[string]string
	Offsets    map[string]json.RawMessage
}

func takeSnapshot(t *testing.T, e *env) snapshot {
	s := snapshot{Configs: map[string]map[string]string{}, States: map[string]string{}, Offsets: map[string]json.RawMessage{}}
	if err := json.Unmarshal(e.mustREST(t, http.MethodGet, "/connectors", nil, 200), &s.Connectors); err != nil {
		t.Fatal(err)
	}
	sort.Strings(s.Connectors)
	for _, c := range s.Connectors {
		var cfg map[string]string
		if err := json.Unmarshal(e.mustREST(t, http.MethodGet, "/connectors/"+c+"/config", nil, 200), &cfg); err != nil {
			t.Fatal(err)
		}
		s.Configs[c] = cfg
		var st connectorStatus
		if err := json.Unmarshal(e.mustREST(t, http.MethodGet, "/connectors/"+c+"/status", nil, 200), &st); err != nil {
			t.Fatal(err)
		}
		s.States[c] = st.Connector.State
		s.Offsets[c] = e.mustREST(t, http.MethodGet, "/connectors/"+c+"/offsets", nil, 200)
	}
	return s
}

// restartAllWorkers stops every worker, publishes while none runs, starts them again and checks that every
// connector, target state and source offset is back and no queued MQTT message is lost.
func restartAllWorkers(t *testing.T, e *env) {
	res := result{Scenario: "restart-all-workers", Recovery: "-"}
	defer func() {
		res.Pass = !t.Failed()
		record(res)
	}()
	// A file source has offsets that show whether the restart resumed where it was.
	input := filepath.Join(e.run, "input.txt")
	var lines strings.Builder
	for i := range 500 {
		fmt.Fprintf(&lines, "{\"seq\":%d}\n", i)
	}
	if err := os.WriteFile(input, []byte(lines.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := createTopic("it-file"); err != nil {
		t.Fatal(err)
	}
	e.mustREST(t, http.MethodPut, "/connectors/it-file/config", map[string]string{
		"connector.class": "FileStreamSource", "file": input, "topic": "it-file", "tasks.max": "1",
	}, 200, 201)
	for _, name := range []string{"restart", "paused", "stopped"} {
		topic := "it-" + name
		if err := createTopic(topic); err != nil {
			t.Fatal(err)
		}
		e.mustREST(t, http.MethodPut, "/connectors/mqtt-"+name+"/config", mqttConfig(t, e, name, topic), 200, 201)
	}
	e.waitStatus(t, "mqtt-restart", 90*time.Second, "RUNNING", running(1))
	e.mustREST(t, http.MethodPut, "/connectors/mqtt-paused/pause", nil, 202)
	e.mustREST(t, http.MethodPut, "/connectors/mqtt-stopped/stop", nil, 202, 204)
	e.waitStatus(t, "mqtt-paused", time.Minute, "PAUSED", func(s connectorStatus) bool { return s.Connector.State == "PAUSED" })
	e.waitStatus(t, "mqtt-stopped", time.Minute, "STOPPED", func(s connectorStatus) bool { return s.Connector.State == "STOPPED" })

	fileTr := newTracker(600)
	mqttTr := newTracker(4000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for topic, tr := range map[string]*tracker{"it-file": fileTr, "it-restart": mqttTr} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = consume(ctx, topic, tr)
		}()
	}
	defer func() { cancel(); wg.Wait() }()
	fileTr.mu.Lock()
	for i := range 500 {
		fileTr.published[i] = time.Now() // lines count as sent when written
	}
	fileTr.mu.Unlock()
	if err := poll(ctx, 2*time.Minute, func() (bool, error) { return fileTr.complete(), nil }); err != nil {
		t.Fatalf("file source did not deliver its 500 lines: %v", err)
	}
	pub, err := newPublisher(mqttURL, "it-pub-restart", "/mqtt/test/restart/v", "restart")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.close()
	if err := poll(ctx, 90*time.Second, func() (bool, error) {
		pub.publishOne(ctx, -1, mqttTr)
		mqttTr.mu.Lock()
		defer mqttTr.mu.Unlock()
		return mqttTr.probes > 0, nil
	}); err != nil {
		t.Fatalf("no probe reached Kafka: %v", err)
	}
	for seq := range 2000 {
		pub.publishOne(ctx, seq, mqttTr)
	}
	// Offsets are flushed every second; wait for the file source's to cover the file.
	_ = poll(ctx, 30*time.Second, func() (bool, error) {
		b := e.mustREST(t, http.MethodGet, "/connectors/it-file/offsets", nil, 200)
		return strings.Contains(string(b), fmt.Sprintf(`"position":%d`, len(lines.String()))), nil
	})
	before := takeSnapshot(t, e)
	statusEnd, err := endOffsets(statusTopic)
	if err != nil {
		t.Fatal(err)
	}

	for _, w := range e.workers {
		w.stop(syscall.SIGTERM)
	}
	// Published while no worker runs: Mosquitto queues them for the persistent session.
	for seq := 2000; seq < 4000; seq++ {
		pub.publishOne(ctx, seq, mqttTr)
	}
	restarted := time.Now()
	for _, w := range e.workers {
		if err := w.start(); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.waitWorkers(2 * time.Minute); err != nil {
		t.Fatal(err)
	}
	// The status topic still holds RUNNING from before the stop: only a record written after the restart shows
	// the restarted workers run the task again.
	if err := waitStatusRecord(ctx, statusEnd, "status-task-mqtt-restart-0", "RUNNING", 2*time.Minute); err != nil {
		t.Fatalf("no new RUNNING status for mqtt-restart task 0: %v", err)
	}
	res.Recovery = time.Since(restarted).Round(100 * time.Millisecond).String()
	e.waitStatus(t, "mqtt-restart", 2*time.Minute, "RUNNING", running(1))
	e.waitStatus(t, "it-file", 2*time.Minute, "RUNNING", running(1))
	after := takeSnapshot(t, e)
	if !reflect.DeepEqual(before.Connectors, after.Connectors) {
		t.Errorf("connectors: before %v after %v", before.Connectors, after.Connectors)
	}
	if !reflect.DeepEqual(before.Configs, after.Configs) {
		t.Errorf("configs changed across the restart")
	}
	if !reflect.DeepEqual(before.States, after.States) {
		t.Errorf("states: before %v after %v", before.States, after.States)
	}
	if string(before.Offsets["it-file"]) != string(after.Offsets["it-file"]) {
		t.Errorf("file source offsets: before %s after %s", before.Offsets["it-file"], after.Offsets["it-file"])
	}
	// Lines appended after the restart must be read from the stored offset: no line twice.
	f, err := os.OpenFile(input, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	fileTr.mu.Lock()
	for i := 500; i < 600; i++ {
		fmt.Fprintf(f, "{\"seq\":%d}\n", i)
		fileTr.published[i] = time.Now()
	}
	fileTr.mu.Unlock()
	f.Close()
	if err := poll(ctx, 2*time.Minute, func() (bool, error) { return fileTr.complete() && mqttTr.complete(), nil }); err != nil {
		t.Errorf("not everything arrived after the restart: %v", err)
	}
	res.Sent, res.Received, res.Lost, res.Duplicated = mqttTr.account()
	fs, fr, fl, fd := fileTr.account()
	res.Notes = fmt.Sprintf("4 connectors, PAUSED/STOPPED kept; file source %d lines, %d records, %d lost, %d duplicated",
		fs, fr, fl, fd)
	if res.Lost != 0 || fl != 0 {
		t.Errorf("lost: mqtt %d, file %d", res.Lost, fl)
	}
	if fd != 0 {
		t.Errorf("file source re-read %d lines: offsets not resumed", fd)
	}
	for _, c := range []string{"it-file", "mqtt-restart", "mqtt-paused", "mqtt-stopped"} {
		e.mustREST(t, http.MethodDelete, "/connectors/"+c, nil, 204)
	}
}
