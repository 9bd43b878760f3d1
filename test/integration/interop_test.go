//go:build integration

package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Interop scenarios: Apache Kafka Connect 3.9 workers and connectd workers in one group on the real Kafka.
//
// Each sub-scenario has a fresh group (its own group.id and internal topics) so that the start order decides
// the leader. Six FileStreamSource connectors read files the test writes ({"seq":N} lines) into one topic, so
// every line can be counted: exactly once while nothing fails, and at least once (none lost) across a kill -9,
// where a restarted FileStreamSource re-reads what its killed task had sent after the last offset flush
// (offset.flush.interval.ms=1000), in Java as in connectd.

const (
	ixConnectors = 6      // FileStreamSource connectors per group: one task each
	ixCap        = 20_000 // sequence numbers per connector's file
	ixSteady     = 200    // lines per file written before any fault
	// ixFailover bounds the time from the kill -9 to every task RUNNING on a survivor: session.timeout.ms=6000
	// for the coordinator to expire the member, a rebalance (heartbeat.interval.ms=2000), the task start and its
	// status record.
	ixFailover = 20 * time.Second
)

var ixSeq atomic.Int32 // numbers the interop groups' connectd workers (w21, w22, ...) and Java workers

// ixGroup is one group of mixed workers.
type ixGroup struct {
	e       *env
	id      string // group.id and the prefix of its topics and connectors
	dir     string // .run/interop/ID: the connectors' input files
	members []member
	extra   []string // worker properties added to props, for every worker started after they are set
}

func newIxGroup(t *testing.T, e *env, id string) *ixGroup {
	g := &ixGroup{e: e, id: id, dir: filepath.Join(e.run, "interop", id)}
	if err := os.RemoveAll(g.dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(g.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Stopped on the way out, failed or not: SIGTERM in parallel, each escalating to SIGKILL after 30 s.
	t.Cleanup(func() {
		var wg sync.WaitGroup
		for _, m := range g.members {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m.stop(syscall.SIGTERM)
			}()
		}
		wg.Wait()
	})
	return g
}

// props is what every worker of the group shares, Java or connectd: the README's failover settings and short
// offset flushes, as the suite's own workers.
func (g *ixGroup) props(port int) []string {
	return append([]string{
		"bootstrap.servers=" + strings.Join(kafkaBrokers, ","),
		"group.id=" + g.id,
		"config.storage.topic=" + g.id + "-configs",
		"offset.storage.topic=" + g.id + "-offsets",
		"status.storage.topic=" + g.id + "-status",
		"config.storage.replication.factor=3",
		"offset.storage.replication.factor=3",
		"status.storage.replication.factor=3",
		"key.converter=org.apache.kafka.connect.storage.StringConverter",
		"value.converter=org.apache.kafka.connect.json.JsonConverter",
		"value.converter.schemas.enable=false",
		fmt.Sprintf("listeners=http://127.0.0.1:%d", port),
		"rest.advertised.host.name=127.0.0.1",
		fmt.Sprintf("rest.advertised.port=%d", port),
		"session.timeout.ms=6000",
		"heartbeat.interval.ms=2000",
		"scheduled.rebalance.max.delay.ms=0",
		"offset.flush.interval.ms=1000",
	}, g.extra...)
}

// addConnectd starts a connectd worker in the group.
func (g *ixGroup) addConnectd(t *testing.T) *worker {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	w := &worker{index: 20 + int(ixSeq.Add(1)), port: port, bin: g.e.bin, dir: filepath.Join(g.e.run, "workers")}
	if err := os.WriteFile(w.file(".properties"), []byte(strings.Join(g.props(port), "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g.members = append(g.members, w)
	if err := w.start(); err != nil {
		t.Fatal(err)
	}
	return w
}

// addJava starts a Kafka Connect 3.9 worker in the group. Its client.id, java-PORT, starts its member id, so
// connectd's "joined group" log line names the Java leader's port.
func (g *ixGroup) addJava(t *testing.T) *javaWorker {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	j := &javaWorker{
		name:  fmt.Sprintf("j%d", ixSeq.Add(1)),
		port:  port,
		dir:   filepath.Join(g.e.run, "workers"),
		libs:  filepath.Join(g.e.dir, ".cache", "connect-libs"),
		props: append(g.props(port), fmt.Sprintf("client.id=java-%d", port)),
	}
	g.members = append(g.members, j)
	if err := j.start(); err != nil {
		t.Fatal(err)
	}
	return j
}

// waitJoined waits until m has joined the group at least once.
func waitJoined(t *testing.T, m member, timeout time.Duration) {
	t.Helper()
	err := poll(context.Background(), timeout, func() (bool, error) {
		if !m.running() {
			return false, fmt.Errorf("%s %s exited", kindOf(m), m.id())
		}
		_, _, ok := lastJoin(m)
		return ok, nil
	})
	if err != nil {
		t.Fatalf("%s worker %s did not join the group: %v", kindOf(m), m.id(), err)
	}
}

// waitLeader waits until every running member's newest join names the same leader, then returns it with the
// protocol each member reports.
func (g *ixGroup) waitLeader(t *testing.T, timeout time.Duration) (member, map[string]string) {
	t.Helper()
	var leader member
	protocols := map[string]string{}
	var last string
	err := poll(context.Background(), timeout, func() (bool, error) {
		leader, last = nil, ""
		port := 0
		for _, m := range g.members {
			if !m.running() {
				continue
			}
			p, proto, ok := lastJoin(m)
			last += fmt.Sprintf(" %s %s: leader :%d %s;", kindOf(m), m.id(), p, proto)
			if !ok || (port != 0 && p != port) {
				return false, nil
			}
			port = p
			protocols[kindOf(m)+" "+m.id()] = proto
		}
		for _, m := range g.members {
			if m.running() && m.id() == fmt.Sprintf("127.0.0.1:%d", port) {
				leader = m
			}
		}
		return leader != nil, nil
	})
	if err != nil {
		t.Fatalf("group %s: members do not agree on a leader: %v (last:%s)", g.id, err, last)
	}
	return leader, protocols
}

// do sends one request to m, retrying 409s (rebalance) and connection errors until one of want comes back.
func (g *ixGroup) do(t *testing.T, m member, method, path string, body any, want ...int) []byte {
	t.Helper()
	var out []byte
	var last string
	err := poll(context.Background(), 2*time.Minute, func() (bool, error) {
		code, b, err := g.e.do(method, m.url(path), body)
		if err != nil {
			last = err.Error()
			return false, nil
		}
		for _, c := range want {
			if code == c {
				out = b
				return true, nil
			}
		}
		last = fmt.Sprintf("%d %s", code, b)
		if code == http.StatusConflict || (code == http.StatusNotFound && method == http.MethodGet) {
			return false, nil // a rebalance, or a status not yet in the status topic
		}
		return false, errors.New(last)
	})
	if err != nil {
		t.Fatalf("%s %s via %s %s: %v (last: %s)", method, path, kindOf(m), m.id(), err, last)
	}
	return out
}

func (g *ixGroup) status(m member, name string) (connectorStatus, error) {
	var st connectorStatus
	code, b, err := g.e.do(http.MethodGet, m.url("/connectors/"+name+"/status"), nil)
	if err != nil {
		return st, err
	}
	if code != http.StatusOK {
		return st, fmt.Errorf("%d %s", code, b)
	}
	return st, json.Unmarshal(b, &st)
}

// waitAll polls every connector's status through every running member until each answer satisfies ok and all
// members give the same answer; it returns the statuses.
func (g *ixGroup) waitAll(t *testing.T, names []string, timeout time.Duration, what string, ok func(connectorStatus) bool) map[string]connectorStatus {
	t.Helper()
	var sts map[string]connectorStatus
	var last string
	err := poll(context.Background(), timeout, func() (bool, error) {
		sts = map[string]connectorStatus{}
		for _, m := range g.members {
			if !m.running() {
				continue
			}
			for _, n := range names {
				st, err := g.status(m, n)
				if err != nil {
					last = fmt.Sprintf("%s via %s %s: %v", n, kindOf(m), m.id(), err)
					return false, nil
				}
				if !ok(st) {
					last = fmt.Sprintf("%s via %s %s: %+v", n, kindOf(m), m.id(), st)
					return false, nil
				}
				if prev, seen := sts[n]; seen && !reflect.DeepEqual(prev, st) {
					last = fmt.Sprintf("%s: members disagree: %+v vs %+v via %s", n, prev, st, m.id())
					return false, nil
				}
				sts[n] = st
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("group %s: %s not reached in %v: %v (last: %s)", g.id, what, timeout, err, last)
	}
	return sts
}

// fileSource is one FileStreamSource connector and the file it reads.
type fileSource struct {
	name string
	path string
	base int // its lines carry base, base+1, ...
	next int
}

// appendLines writes n more lines to the file in one write and marks them sent in tr.
func (s *fileSource) appendLines(tr *tracker, n int) error {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "{\"seq\":%d}\n", s.base+s.next+i)
	}
	f, err := os.OpenFile(s.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	tr.mu.Lock()
	_, err = f.WriteString(b.String())
	now := time.Now()
	for i := range n {
		tr.published[s.base+s.next+i] = now
	}
	tr.mu.Unlock()
	s.next += n
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// TestInterop forms groups of Kafka Connect 3.9 and connectd workers on the real Kafka: once with a Java
// leader, once with a connectd leader. See ixScenario.
func TestInterop(t *testing.T) {
	e := theEnv
	t.Run("java-leads", func(t *testing.T) {
		ixScenario(t, e, "interop-jl", []string{"java", "connectd", "connectd"}, "java")
	})
	t.Run("connectd-leads", func(t *testing.T) {
		ixScenario(t, e, "interop-cl", []string{"connectd", "java", "connectd"}, "connectd")
	})
}

// ixScenario starts the group's workers in the given order (the first alone until it has joined, so it leads),
// checks the leader and the sessioned protocol, creates six FileStreamSource connectors through a follower of
// the other kind than the leader, checks that the connectors and tasks run on both kinds, that status and task
// configs read the same through every worker, that every line arrives exactly once, then kills -9 the leader
// (of kind victim) while lines are appended and checks that every task runs on a survivor within ixFailover
// and no line is lost; finally restarts the killed worker while lines are appended and checks that it gets
// tasks back and every line of that phase arrives exactly once.
func ixScenario(t *testing.T, e *env, id string, order []string, victimKind string) {
	steady := result{Scenario: id + " steady (" + order[0] + " leads)", Recovery: "-"}
	fault := result{Scenario: id + " kill -9 of the " + victimKind + " leader"}
	rejoin := result{Scenario: id + " killed " + victimKind + " worker restarted"}
	// Each phase's verdict is t.Failed() when it ended.
	steadyDone, faultDone, rejoinStarted := false, false, false
	defer func() {
		if !steadyDone {
			steady.Pass = !t.Failed()
		}
		record(steady)
		if fault.Recovery != "" {
			if !faultDone {
				fault.Pass = !t.Failed()
			}
			record(fault)
		}
		if rejoinStarted {
			rejoin.Pass = !t.Failed()
			record(rejoin)
		}
	}()
	topic := id + "-data"
	if err := createTopic(topic); err != nil {
		t.Fatal(err)
	}
	g := newIxGroup(t, e, id)
	start := func(kind string) member {
		if kind == "java" {
			return g.addJava(t)
		}
		return g.addConnectd(t)
	}
	first := start(order[0])
	waitJoined(t, first, 2*time.Minute)
	for _, k := range order[1:] {
		start(k)
	}
	for _, m := range g.members {
		waitJoined(t, m, 2*time.Minute)
	}
	leader, protocols := g.waitLeader(t, 2*time.Minute)
	if leader != first {
		t.Fatalf("leader is %s %s, want the first started, %s %s", kindOf(leader), leader.id(), kindOf(first), first.id())
	}
	for who, p := range protocols {
		if p != "sessioned" {
			t.Errorf("%s joined with protocol %q, want sessioned (KIP-507)", who, p)
		}
	}
	// Creates go through a follower of the other kind, so they are forwarded to the leader.
	var via member
	for _, m := range g.members {
		if m != leader && kindOf(m) != kindOf(leader) {
			via = m
		}
	}
	tr := newTracker(ixConnectors * ixCap)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		if err := consume(ctx, topic, tr); err != nil {
			t.Error(err)
		}
	}()
	defer func() { cancel(); <-consumed }()

	var srcs []*fileSource
	var names []string
	for k := range ixConnectors {
		s := &fileSource{name: fmt.Sprintf("%s-src-%d", id, k), path: filepath.Join(g.dir, fmt.Sprintf("src-%d.txt", k)), base: k * ixCap}
		if err := s.appendLines(tr, ixSteady); err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, s)
		names = append(names, s.name)
		g.do(t, via, http.MethodPut, "/connectors/"+s.name+"/config", map[string]string{
			"connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
			"file":            s.path,
			"topic":           topic,
			"tasks.max":       "1",
		}, http.StatusCreated)
	}
	sts := g.waitAll(t, names, 2*time.Minute, "every connector and task RUNNING", running(1))
	// A Java follower cannot write the config topic, so its 201s were the connectd leader's; a Java leader logs
	// each create a connectd follower forwarded.
	if kindOf(leader) == "java" {
		for _, n := range names {
			re := regexp.MustCompile(`"PUT /connectors/` + regexp.QuoteMeta(n) + `/config\?forward=true HTTP/1\.1" 201 `)
			if err := poll(ctx, 30*time.Second, func() (bool, error) { return logMatches(leader, re), nil }); err != nil {
				t.Errorf("the Java leader's log has no %q: the create of %s was not forwarded to it", re, n)
			}
		}
	}

	// Where the connectors and tasks run: both kinds must run some, and at least one connector must run on a
	// follower of the other kind than the leader, which then publishes its task configs to the leader over the
	// signed internal endpoint (KIP-507).
	kinds := map[string]member{}
	for _, m := range g.members {
		kinds[m.id()] = m
	}
	tasksOn := map[string]int{}
	forwardedTaskConfigs := 0
	var placement []string
	for _, n := range names {
		st := sts[n]
		cw, tw := kinds[st.Connector.WorkerID], kinds[st.Tasks[0].WorkerID]
		if cw == nil || tw == nil {
			t.Fatalf("%s runs on unknown workers: %+v", n, st)
		}
		tasksOn[kindOf(tw)]++
		if cw != leader && kindOf(cw) != kindOf(leader) {
			forwardedTaskConfigs++
		}
		placement = append(placement, fmt.Sprintf("%s:%s/%s", strings.TrimPrefix(n, id+"-"), kindOf(cw), kindOf(tw)))
	}
	t.Logf("placement (connector/task): %s", strings.Join(placement, " "))
	// The leader shows it received them: a Java leader logs each signed POST /connectors/NAME/tasks it accepted
	// (204: a missing or bad signature is a 400/403), a connectd leader logs the task configs it writes.
	for _, n := range names {
		cw := kinds[sts[n].Connector.WorkerID]
		if cw == leader || kindOf(cw) == kindOf(leader) {
			continue
		}
		re := regexp.MustCompile(`msg="writing task configs".* connector=` + regexp.QuoteMeta(n) + ` `)
		if kindOf(leader) == "java" {
			// connectd followers add configHash (Java ignores it); url.Values puts it before forward.
			re = regexp.MustCompile(`"POST /connectors/` + regexp.QuoteMeta(n) + `/tasks\?(configHash=[0-9a-f]{64}&)?forward=true HTTP/1\.1" 204 `)
		}
		if err := poll(ctx, 30*time.Second, func() (bool, error) { return logMatches(leader, re), nil }); err != nil {
			t.Errorf("%s leader's log has no %q for %s, whose connector runs on a %s follower", kindOf(leader), re, n, kindOf(cw))
		}
	}
	if tasksOn["java"] == 0 || tasksOn["connectd"] == 0 {
		t.Errorf("tasks do not run on both kinds: %v", tasksOn)
	}
	if forwardedTaskConfigs == 0 {
		t.Errorf("no connector runs on a %s follower, so no task configs were published to the %s leader", otherKind(kindOf(leader)), kindOf(leader))
	}

	// Task configs and connector info read the same through every worker, and are the connector config plus
	// task.class.
	for _, n := range names {
		var want []map[string]any
		for _, m := range g.members {
			cfg := map[string]string{}
			if err := json.Unmarshal(g.do(t, m, http.MethodGet, "/connectors/"+n+"/config", nil, 200), &cfg); err != nil {
				t.Fatal(err)
			}
			var tasks []map[string]any
			if err := json.Unmarshal(g.do(t, m, http.MethodGet, "/connectors/"+n+"/tasks", nil, 200), &tasks); err != nil {
				t.Fatal(err)
			}
			exp := map[string]any{"connector.class": cfg["connector.class"], "task.class": "org.apache.kafka.connect.file.FileStreamSourceTask"}
			for k, v := range cfg {
				exp[k] = v
			}
			wantTasks := []map[string]any{{"id": map[string]any{"connector": n, "task": float64(0)}, "config": exp}}
			if !reflect.DeepEqual(tasks, wantTasks) {
				t.Errorf("GET /connectors/%s/tasks via %s %s = %v, want %v", n, kindOf(m), m.id(), tasks, wantTasks)
			}
			if want == nil {
				want = tasks
			} else if !reflect.DeepEqual(tasks, want) {
				t.Errorf("task configs of %s differ between workers: %v vs %v", n, tasks, want)
			}
		}
	}

	// Steady state: every line exactly once.
	if err := poll(ctx, 2*time.Minute, func() (bool, error) { return tr.complete(), nil }); err != nil {
		t.Fatalf("steady lines did not all arrive: %v", err)
	}
	waitStill(ctx, tr)
	steady.Sent, steady.Received, steady.Lost, steady.Duplicated = tr.account()
	steady.Notes = fmt.Sprintf("%d FileStreamSource connectors created via a %s follower; tasks on java/connectd: %d/%d; %d connectors on a %s follower publish task configs to the leader; leader %s, protocol sessioned",
		ixConnectors, kindOf(via), tasksOn["java"], tasksOn["connectd"], forwardedTaskConfigs, otherKind(kindOf(leader)), kindOf(leader))
	if steady.Lost != 0 || steady.Duplicated != 0 {
		t.Errorf("steady state: %d lost, %d duplicated; want exactly once", steady.Lost, steady.Duplicated)
	}
	steady.Pass, steadyDone = !t.Failed(), true
	if t.Failed() {
		return
	}

	// Fault: lines are appended every 100 ms while the leader is killed -9.
	victim := leader
	onVictim := map[int]bool{}
	for k, n := range names {
		if sts[n].Tasks[0].WorkerID == victim.id() {
			onVictim[k] = true
		}
	}
	app := startAppender(srcs, tr)
	defer app.stop()
	rounds := &app.rounds
	// Kill once the appended lines flow and at least one offset flush (1 s) covers some of them.
	if err := poll(ctx, time.Minute, func() (bool, error) { return rounds.Load() >= 20, nil }); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	victim.stop(syscall.SIGKILL)
	moved := g.waitAll(t, names, 2*time.Minute, "every task RUNNING on a survivor", func(s connectorStatus) bool {
		return running(1)(s) && s.Connector.WorkerID != victim.id() && s.Tasks[0].WorkerID != victim.id()
	})
	took := time.Since(killed)
	fault.Recovery = took.Round(100 * time.Millisecond).String()
	if took > ixFailover {
		t.Errorf("tasks RUNNING on survivors %v after the kill, want within %v", took.Round(100*time.Millisecond), ixFailover)
	}
	r := rounds.Load()
	if err := poll(ctx, time.Minute, func() (bool, error) { return rounds.Load() >= r+20, nil }); err != nil {
		t.Fatal(err)
	}
	if err := app.stop(); err != nil {
		t.Error(err)
	}
	if err := poll(ctx, 2*time.Minute, func() (bool, error) { return tr.complete(), nil }); err != nil {
		t.Errorf("not every line arrived after the kill: %v", err)
	}
	waitStill(ctx, tr)
	fault.Sent, fault.Received, fault.Lost, fault.Duplicated = tr.account()
	fault.Sent -= steady.Sent
	fault.Received -= steady.Received
	// Duplicates may only come from the connectors whose task the killed worker ran.
	dupBy := map[int]int{}
	tr.mu.Lock()
	for seq, c := range tr.count {
		if c > 1 {
			dupBy[seq/ixCap] += c - 1
		}
	}
	tr.mu.Unlock()
	var dupNotes []string
	for k, d := range dupBy {
		dupNotes = append(dupNotes, fmt.Sprintf("src-%d: %d", k, d))
		if !onVictim[k] {
			t.Errorf("%s ran on a survivor, yet %d of its lines are duplicated", names[k], d)
		}
	}
	sort.Strings(dupNotes)
	var to []string
	for _, n := range names {
		if k := kinds[moved[n].Tasks[0].WorkerID]; k != nil {
			to = append(to, kindOf(k))
		}
	}
	fault.Notes = fmt.Sprintf("%d of %d tasks were on the killed %s leader; after the kill tasks run on %s; duplicates (at-least-once re-reads after the last offset flush, expected only for the killed worker's tasks): %s",
		len(onVictim), ixConnectors, victimKind, strings.Join(to, ","), orNone(dupNotes))
	if fault.Lost != 0 {
		t.Errorf("%d lines lost across the kill -9", fault.Lost)
	}
	fault.Pass, faultDone = !t.Failed(), true
	if t.Failed() {
		return
	}

	// Rejoin: the killed worker starts again while lines are appended. The assignor gives it a share of the
	// tasks back, revoking them from the survivors, which stop them gracefully and commit their offsets: no
	// line may arrive twice more, in Java as in connectd.
	rejoinStarted = true
	_, rec0, _, dup0 := tr.account()
	app = startAppender(srcs, tr)
	defer app.stop()
	if err := victim.start(); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	var back int
	if err := poll(ctx, 2*time.Minute, func() (bool, error) {
		back = 0
		for _, n := range names {
			st, err := g.status(victim, n) // through the restarted worker: it answers too
			if err != nil || !running(1)(st) {
				return false, nil
			}
			if st.Tasks[0].WorkerID == victim.id() {
				back++
			}
		}
		return back > 0, nil
	}); err != nil {
		t.Fatalf("no task runs on the restarted %s worker %s: %v", kindOf(victim), victim.id(), err)
	}
	rejoin.Recovery = time.Since(restarted).Round(100 * time.Millisecond).String()
	g.waitAll(t, names, 2*time.Minute, "every task RUNNING, every worker agreeing", running(1))
	if err := poll(ctx, time.Minute, func() (bool, error) { return app.rounds.Load() >= 20, nil }); err != nil {
		t.Fatal(err)
	}
	if err := app.stop(); err != nil {
		t.Error(err)
	}
	if err := poll(ctx, 2*time.Minute, func() (bool, error) { return tr.complete(), nil }); err != nil {
		t.Errorf("not every line arrived after the restart: %v", err)
	}
	waitStill(ctx, tr)
	sent, rec, lost, dup := tr.account()
	rejoin.Sent = sent - steady.Sent - fault.Sent
	rejoin.Received, rejoin.Lost, rejoin.Duplicated = rec-rec0, lost, dup-dup0
	rejoin.Notes = fmt.Sprintf("%d of %d tasks moved back to the restarted %s worker; exactly once required", back, ixConnectors, kindOf(victim))
	if rejoin.Lost != 0 || rejoin.Duplicated != 0 {
		t.Errorf("rejoin: %d lost, %d duplicated; want exactly once", rejoin.Lost, rejoin.Duplicated)
	}
}

// appender appends five lines to every file every 100 ms until stopped.
type appender struct {
	rounds atomic.Int32
	stopc  chan struct{}
	errc   chan error
	once   sync.Once
	err    error
}

func startAppender(srcs []*fileSource, tr *tracker) *appender {
	a := &appender{stopc: make(chan struct{}), errc: make(chan error, 1)}
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-a.stopc:
				a.errc <- nil
				return
			case <-tick.C:
			}
			for _, s := range srcs {
				if s.next+5 > ixCap {
					continue
				}
				if err := s.appendLines(tr, 5); err != nil {
					a.errc <- err
					return
				}
			}
			a.rounds.Add(1)
		}
	}()
	return a
}

// stop stops the appender and waits for it; it may be called again.
func (a *appender) stop() error {
	a.once.Do(func() {
		close(a.stopc)
		a.err = <-a.errc
	})
	return a.err
}

func otherKind(k string) string {
	if k == "java" {
		return "connectd"
	}
	return "java"
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// waitStill waits until tr's record count holds still for 3 s: late duplicates have arrived.
func waitStill(ctx context.Context, tr *tracker) {
	last, still := -1, 0
	_ = poll(ctx, time.Minute, func() (bool, error) {
		tr.mu.Lock()
		n := tr.records
		tr.mu.Unlock()
		if n == last {
			still++
		} else {
			last, still = n, 0
		}
		return still >= 15, nil
	})
}
