package group

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// sixTasksAt7 is one connector with six tasks at the config offset the drivers advertise.
var sixTasksAt7 = Snapshot{Offset: 7, Tasks: map[string]int{"c": 6}}

func testLogger(t *testing.T) *slog.Logger {
	if os.Getenv("CONNECT_TEST_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func newKafka(t *testing.T) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.GroupMinSessionTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func newClient(t *testing.T, c *kfake.Cluster) sarama.Client {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.ClientID = "group-test"
	cl, err := sarama.NewClient(c.ListenAddrs(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Close() })
	return cl
}

func newTestMember(t *testing.T, cl sarama.Client, group, worker string, opts ...func(*Config)) *Member {
	t.Helper()
	cfg := Config{
		Client:            cl,
		GroupID:           group,
		WorkerID:          worker,
		SessionTimeout:    1500 * time.Millisecond,
		RebalanceTimeout:  3 * time.Second,
		HeartbeatInterval: 100 * time.Millisecond,
		RetryBackoff:      20 * time.Millisecond,
		RetryBackoffMax:   100 * time.Millisecond,
		Logger:            testLogger(t),
	}
	for _, o := range opts {
		o(&cfg)
	}
	m, err := NewMember(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// leaderLog records what the leaders of each generation computed.
type leaderLog struct {
	mu   sync.Mutex
	outs map[int32]map[string]Assignment
}

func (l *leaderLog) get(gen int32) map[string]Assignment {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.outs[gen]
}

// assigner returns an assign callback backed by an Assignor of its own (one per worker, as in the herder)
// that records its output.
func (l *leaderLog) assigner(snap Snapshot) AssignFunc {
	a := &Assignor{MaxDelay: maxDelay}
	return func(in LeaderInput) (map[string]Assignment, error) {
		res, err := a.Assign(in, snap, time.Now())
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.outs == nil {
			l.outs = make(map[int32]map[string]Assignment)
		}
		l.outs[in.Generation] = res.Assignments
		return res.Assignments, nil
	}
}

// driver plays the herder: join, heartbeat until told to rebalance (or at once after a revocation), join
// again.
type driver struct {
	m      *Member
	url    string
	offset int64
	assign AssignFunc

	mu         sync.Mutex
	last       JoinResult
	joins      int
	rebalances int
	running    *Assignment
	err        error

	cancel context.CancelFunc
	done   chan struct{}
}

func startDriver(t *testing.T, m *Member, url string, assign AssignFunc) *driver {
	t.Helper()
	return startDriverAt(t, m, url, 7, assign)
}

// startDriverAt starts a driver that advertises the given config offset.
func startDriverAt(t *testing.T, m *Member, url string, offset int64, assign AssignFunc) *driver {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d := &driver{m: m, url: url, offset: offset, assign: assign, cancel: cancel, done: make(chan struct{})}
	go d.run(ctx)
	t.Cleanup(d.stop)
	return d
}

func (d *driver) stop() {
	d.cancel()
	<-d.done
}

func (d *driver) run(ctx context.Context) {
	defer close(d.done)
	tick := time.NewTicker(d.m.HeartbeatInterval())
	defer tick.Stop()
	for ctx.Err() == nil {
		d.mu.Lock()
		meta := Metadata{URL: d.url, ConfigOffset: d.offset, Allocation: d.running}
		d.mu.Unlock()
		res, err := d.m.Join(ctx, meta, d.assign)
		if err != nil {
			if ctx.Err() == nil {
				d.mu.Lock()
				d.err = err
				d.mu.Unlock()
			}
			return
		}
		d.mu.Lock()
		merged := MergeAssignment(d.running, res.Assignment, res.Protocol)
		d.last, d.running = res, &merged
		d.joins++
		d.mu.Unlock()
		if !res.Assignment.Revoked.IsEmpty() {
			continue // like the herder: a revocation is followed by a rejoin so the freed work is placed
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if err := d.m.Heartbeat(ctx); errors.Is(err, ErrRebalanceNeeded) {
				d.mu.Lock()
				d.rebalances++
				d.mu.Unlock()
				break
			}
		}
	}
}

func (d *driver) state() (JoinResult, int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.last, d.rebalances, d.err
}

// settled returns the leader's result if all drivers are in the same generation, its leader saw exactly
// them, and nobody is about to rejoin after a revocation.
func settled(ds ...*driver) (JoinResult, bool) {
	var leader JoinResult
	var gen int32 = -1
	for i, d := range ds {
		res, _, err := d.state()
		if err != nil || res.Generation == 0 || (i > 0 && res.Generation != gen) || !res.Assignment.Revoked.IsEmpty() {
			return JoinResult{}, false
		}
		gen = res.Generation
		if res.IsLeader {
			leader = res
		}
	}
	if len(leader.Members) != len(ds) {
		return JoinResult{}, false
	}
	for _, d := range ds {
		res, _, _ := d.state()
		if _, ok := leader.Members[res.MemberID]; !ok {
			return JoinResult{}, false
		}
	}
	return leader, true
}

func sameAssignment(t *testing.T, got, want Assignment) bool {
	t.Helper()
	gb, err := EncodeAssignment(got)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := EncodeAssignment(want)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(gb, wb)
}

func TestMembersFormGroup(t *testing.T) {
	// In a synctest bubble (see newVirtualKafka): the group's timers run on the bubble's clock.
	synctest.Test(t, func(t *testing.T) {
		_, cl := newVirtualKafka(t)
		var log leaderLog

		var ds []*driver
		for i := 1; i <= 3; i++ {
			w := fmt.Sprintf("10.0.0.%d:8083", i)
			ds = append(ds, startDriver(t, newTestMember(t, cl, "connect-cluster", w), "http://"+w+"/", log.assigner(sixTasksAt7)))
		}
		var leader JoinResult
		waitFor(t, 20*time.Second, "three members in one generation", func() (ok bool) {
			leader, ok = settled(ds...)
			return ok
		})

		leaders := 0
		for i, d := range ds {
			res, _, _ := d.state()
			if res.IsLeader {
				leaders++
			}
			if res.LeaderID != leader.MemberID || res.Protocol != ProtocolSessioned {
				t.Errorf("member %d: leader %q protocol %q", i, res.LeaderID, res.Protocol)
			}
			if want := fmt.Sprintf("connect-10.0.0.%d:8083-", i+1); !strings.HasPrefix(res.MemberID, want) {
				t.Errorf("member id %q does not start with %q", res.MemberID, want)
			}
			md := leader.Members[res.MemberID]
			if md.Version != 2 || md.URL != d.url || md.ConfigOffset != 7 {
				t.Errorf("metadata of member %d as the leader saw it: %+v", i, md)
			}
			want, ok := log.get(res.Generation)[res.MemberID]
			if !ok || !sameAssignment(t, res.Assignment, want) {
				t.Errorf("member %d received %+v, leader computed %+v", i, res.Assignment, want)
			}
			if res.Assignment.Version != 2 || res.Assignment.LeaderURL != leader.Members[leader.MemberID].URL {
				t.Errorf("member %d assignment header %+v", i, res.Assignment)
			}
		}
		if leaders != 1 {
			t.Fatalf("%d leaders", leaders)
		}
		// Every task is running somewhere: the members merged their incremental assignments.
		total := 0
		for _, d := range ds {
			d.mu.Lock()
			total += len(d.running.Assigned.Tasks)
			d.mu.Unlock()
		}
		if total != 6 {
			t.Fatalf("%d tasks running, want 6", total)
		}
	})
}

func TestMemberEvictedAfterSessionTimeout(t *testing.T) {
	// In a synctest bubble (see newVirtualKafka): the group's timers run on the bubble's clock.
	synctest.Test(t, func(t *testing.T) {
		_, cl := newVirtualKafka(t)
		var log leaderLog
		d1 := startDriver(t, newTestMember(t, cl, "g", "w1"), "http://w1/", log.assigner(sixTasksAt7))
		d2 := startDriver(t, newTestMember(t, cl, "g", "w2"), "http://w2/", log.assigner(sixTasksAt7))
		d3 := startDriver(t, newTestMember(t, cl, "g", "w3"), "http://w3/", log.assigner(sixTasksAt7))
		var before JoinResult
		waitFor(t, 20*time.Second, "three members", func() (ok bool) { before, ok = settled(d1, d2, d3); return ok })
		_, r1, _ := d1.state()
		_, r2, _ := d2.state()

		d3.stop() // no more heartbeats, no LeaveGroup
		stopped := time.Now()
		var after JoinResult
		waitFor(t, 20*time.Second, "the two others to rebalance without w3", func() (ok bool) {
			after, ok = settled(d1, d2)
			return ok && after.Generation > before.Generation
		})
		// On the bubble's clock the coordinator cannot expel w3 before its session timeout has passed since its
		// last heartbeat, at most one heartbeat interval before it stopped.
		if took, floor := time.Since(stopped), 1500*time.Millisecond-100*time.Millisecond; took < floor {
			t.Errorf("w3 expelled %v after it stopped, before its session timeout", took)
		}
		if _, n, _ := d1.state(); n <= r1 {
			t.Error("member 1 was not told to rebalance")
		}
		if _, n, _ := d2.state(); n <= r2 {
			t.Error("member 2 was not told to rebalance")
		}
		res3, _, _ := d3.state()
		if _, ok := after.Members[res3.MemberID]; ok {
			t.Error("the evicted member is still in the group")
		}
	})
}

func TestMemberLeaveRebalancesAtOnce(t *testing.T) {
	// In a synctest bubble (see newVirtualKafka): the group's timers run on the bubble's clock.
	synctest.Test(t, func(t *testing.T) {
		c, cl := newVirtualKafka(t)
		var leaves atomic.Int32
		c.ControlKey(kmsg.LeaveGroup.Int16(), func(kmsg.Request) (kmsg.Response, error, bool) {
			c.KeepControl()
			leaves.Add(1)
			return nil, nil, false
		})
		var log leaderLog
		long := func(cfg *Config) { cfg.SessionTimeout = time.Minute }
		d1 := startDriver(t, newTestMember(t, cl, "g", "w1", long), "http://w1/", log.assigner(sixTasksAt7))
		d2 := startDriver(t, newTestMember(t, cl, "g", "w2", long), "http://w2/", log.assigner(sixTasksAt7))
		m3 := newTestMember(t, cl, "g", "w3", long)
		d3 := startDriver(t, m3, "http://w3/", log.assigner(sixTasksAt7))
		var before JoinResult
		waitFor(t, 20*time.Second, "three members", func() (ok bool) { before, ok = settled(d1, d2, d3); return ok })

		d3.stop()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m3.Leave(ctx); err != nil {
			t.Fatal(err)
		}
		if leaves.Load() != 1 {
			t.Fatalf("%d LeaveGroup requests", leaves.Load())
		}
		if _, id, stable := m3.Generation(); id != "" || stable {
			t.Fatalf("member id %q stable %v after leaving", id, stable)
		}
		// The session timeout is a minute: the group can only get here this soon because of the leave.
		waitFor(t, 15*time.Second, "the others to rebalance", func() bool {
			after, ok := settled(d1, d2)
			return ok && after.Generation > before.Generation
		})
		// Leaving again is a no-op.
		if err := m3.Leave(ctx); err != nil || leaves.Load() != 1 {
			t.Fatalf("second leave: %v, %d requests", err, leaves.Load())
		}
	})
}

func TestMemberSurvivesInjectedErrors(t *testing.T) {
	c := newKafka(t)
	cl := newClient(t, c)
	snap := Snapshot{Offset: 7, Tasks: map[string]int{"c": 2}}

	respond := func(key kmsg.Key, code int16) func(kmsg.Request) kmsg.Response {
		return func(req kmsg.Request) kmsg.Response {
			resp := req.ResponseKind()
			switch r := resp.(type) {
			case *kmsg.JoinGroupResponse:
				r.ErrorCode = code
			case *kmsg.SyncGroupResponse:
				r.ErrorCode = code
			}
			return resp
		}
	}
	groupOf := func(req kmsg.Request) string {
		switch r := req.(type) {
		case *kmsg.JoinGroupRequest:
			return r.Group
		case *kmsg.SyncGroupRequest:
			return r.Group
		}
		return ""
	}
	tests := []struct {
		name string
		key  kmsg.Key
		code int16
		drop bool // close the connection instead of answering
	}{
		{name: "join not coordinator", key: kmsg.JoinGroup, code: 16},
		{name: "join coordinator not available", key: kmsg.JoinGroup, code: 15},
		{name: "join coordinator loading", key: kmsg.JoinGroup, code: 14},
		{name: "join rebalance in progress", key: kmsg.JoinGroup, code: 27},
		{name: "join unknown member", key: kmsg.JoinGroup, code: 25},
		{name: "join connection dropped", key: kmsg.JoinGroup, drop: true},
		{name: "sync rebalance in progress", key: kmsg.SyncGroup, code: 27},
		{name: "sync illegal generation", key: kmsg.SyncGroup, code: 22},
		{name: "sync unknown member", key: kmsg.SyncGroup, code: 25},
		{name: "sync not coordinator", key: kmsg.SyncGroup, code: 16},
		{name: "sync connection dropped", key: kmsg.SyncGroup, drop: true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			group := fmt.Sprintf("g%d", i)
			var fired atomic.Int32
			answer := respond(tt.key, tt.code)
			c.ControlKey(tt.key.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
				if groupOf(req) != group {
					return nil, nil, false
				}
				fired.Add(1)
				if tt.drop {
					return nil, errors.New("injected connection drop"), true
				}
				return answer(req), nil, true
			})
			m := newTestMember(t, cl, group, "w1")
			var log leaderLog
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			res, err := m.Join(ctx, Metadata{URL: "http://w1/", ConfigOffset: 7}, log.assigner(snap))
			if err != nil {
				t.Fatal(err)
			}
			if fired.Load() != 1 {
				t.Fatalf("injected error fired %d times", fired.Load())
			}
			if !res.IsLeader || len(res.Members) != 1 || len(res.Assignment.Assigned.Tasks) != 2 {
				t.Fatalf("result %+v", res)
			}
			if err := m.Heartbeat(ctx); err != nil {
				t.Fatalf("heartbeat after recovering: %v", err)
			}
		})
	}
}

func TestMemberJoinSequence(t *testing.T) {
	// In a synctest bubble (see newVirtualKafka): the group's timers run on the bubble's clock.
	synctest.Test(t, func(t *testing.T) {
		c, cl := newVirtualKafka(t)
		var (
			mu    sync.Mutex
			joins []*kmsg.JoinGroupRequest
		)
		c.ControlKey(kmsg.JoinGroup.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
			c.KeepControl()
			mu.Lock()
			joins = append(joins, req.(*kmsg.JoinGroupRequest))
			mu.Unlock()
			return nil, nil, false
		})
		m := newTestMember(t, cl, "g", "w1", func(cfg *Config) { cfg.Protocol = ModeCompatible })
		var log leaderLog
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		res, err := m.Join(ctx, Metadata{URL: "http://w1/", ConfigOffset: 3}, log.assigner(Snapshot{Offset: 3}))
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(joins) != 2 {
			t.Fatalf("%d JoinGroup requests, want 2 (MEMBER_ID_REQUIRED, then the real join)", len(joins))
		}
		if joins[0].MemberID != "" || joins[1].MemberID != res.MemberID || joins[0].Version < 4 {
			t.Fatalf("member ids %q then %q (v%d), joined as %q", joins[0].MemberID, joins[1].MemberID, joins[0].Version, res.MemberID)
		}
		j := joins[1]
		if j.ProtocolType != "connect" || j.SessionTimeoutMillis != 1500 || j.RebalanceTimeoutMillis != 3000 || j.InstanceID != nil {
			t.Fatalf("join request %+v", j)
		}
		var names []string
		for _, p := range j.Protocols {
			names = append(names, p.Name)
			md, err := DecodeMetadata(p.Metadata)
			if err != nil {
				t.Fatal(err)
			}
			if v, _ := ProtocolVersion(p.Name); md.Version != v || md.URL != "http://w1/" || md.ConfigOffset != 3 {
				t.Fatalf("protocol %s metadata %+v", p.Name, md)
			}
		}
		if strings.Join(names, ",") != "compatible,default" {
			t.Fatalf("protocols %v", names)
		}
		if res.Protocol != ProtocolCompatible || res.Assignment.Version != 1 {
			t.Fatalf("chose %q, assignment v%d", res.Protocol, res.Assignment.Version)
		}
	})
}

func TestMixedProtocolsFallBackToEager(t *testing.T) {
	// In a synctest bubble (see newVirtualKafka): the group's timers run on the bubble's clock.
	synctest.Test(t, func(t *testing.T) {
		_, cl := newVirtualKafka(t)
		var log leaderLog
		d1 := startDriver(t, newTestMember(t, cl, "g", "w1"), "http://w1/", log.assigner(sixTasksAt7))
		d2 := startDriver(t, newTestMember(t, cl, "g", "w2", func(cfg *Config) { cfg.Protocol = ModeEager }), "http://w2/", log.assigner(sixTasksAt7))
		var leader JoinResult
		waitFor(t, 20*time.Second, "two members", func() (ok bool) { leader, ok = settled(d1, d2); return ok })
		if leader.Protocol != ProtocolDefault {
			t.Fatalf("chose %q", leader.Protocol)
		}
		total := 0
		for _, d := range []*driver{d1, d2} {
			res, _, _ := d.state()
			if res.Assignment.Version != 0 || len(res.Assignment.Assigned.Tasks) != 3 {
				t.Errorf("eager assignment %+v", res.Assignment)
			}
			total += len(res.Assignment.Assigned.Connectors)
		}
		if total != 1 {
			t.Errorf("%d connector instances assigned", total)
		}
	})
}

func TestHeartbeatErrors(t *testing.T) {
	// In a synctest bubble (see newVirtualKafka): the group's timers run on the bubble's clock.
	synctest.Test(t, func(t *testing.T) {
		c, cl := newVirtualKafka(t)
		m := newTestMember(t, cl, "g", "w1", func(cfg *Config) { cfg.SessionTimeout, cfg.RebalanceTimeout = 10*time.Second, time.Second })
		var log leaderLog
		assign := log.assigner(Snapshot{Offset: 1})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()

		if err := m.Heartbeat(ctx); !errors.Is(err, ErrRebalanceNeeded) {
			t.Fatalf("heartbeat before joining: %v", err)
		}
		join := func() JoinResult {
			t.Helper()
			res, err := m.Join(ctx, Metadata{URL: "http://w1/", ConfigOffset: 1}, assign)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		inject := func(code int16) {
			c.ControlKey(kmsg.Heartbeat.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
				resp := req.ResponseKind().(*kmsg.HeartbeatResponse)
				resp.ErrorCode = code
				return resp, nil, true
			})
		}
		first := join()

		inject(16) // NOT_COORDINATOR
		if err := m.Heartbeat(ctx); !errors.Is(err, ErrCoordinatorUnavailable) || !errors.Is(err, sarama.ErrNotCoordinatorForConsumer) {
			t.Fatalf("heartbeat: %v", err)
		}
		if err := m.Heartbeat(ctx); err != nil {
			t.Fatalf("heartbeat after rediscovery: %v", err)
		}

		inject(27) // REBALANCE_IN_PROGRESS
		if err := m.Heartbeat(ctx); !errors.Is(err, ErrRebalanceNeeded) || !errors.Is(err, sarama.ErrRebalanceInProgress) {
			t.Fatalf("heartbeat: %v", err)
		}
		// The member keeps its generation and goes on heartbeating (which keeps its session alive) until it
		// rejoins: the next heartbeat reaches the coordinator again.
		if gen, id, stable := m.Generation(); !stable || id != first.MemberID || gen != first.Generation {
			t.Fatalf("after REBALANCE_IN_PROGRESS: generation %d id %q stable %v", gen, id, stable)
		}
		// (The injected error was one-shot, so the coordinator answers this one normally.)
		if err := m.Heartbeat(ctx); err != nil {
			t.Fatalf("second heartbeat during the rebalance: %v", err)
		}
		if res := join(); res.MemberID != first.MemberID {
			t.Fatalf("rejoined as %q, was %q", res.MemberID, first.MemberID)
		}

		inject(25) // UNKNOWN_MEMBER_ID: the member id is forgotten
		if err := m.Heartbeat(ctx); !errors.Is(err, ErrRebalanceNeeded) {
			t.Fatalf("heartbeat: %v", err)
		}
		if _, id, _ := m.Generation(); id != "" {
			t.Fatalf("member id %q kept after UNKNOWN_MEMBER_ID", id)
		}
		second := join()
		if second.MemberID == first.MemberID {
			t.Fatal("rejoined with the forgotten member id")
		}

		// The coordinator moves: the next heartbeat fails, the one after finds it.
		before := c.CoordinatorFor("g")
		for c.CoordinatorFor("g") == before {
			c.RehashCoordinators()
		}
		err := m.Heartbeat(ctx)
		if err != nil && !errors.Is(err, ErrCoordinatorUnavailable) {
			t.Fatalf("heartbeat to the old coordinator: %v", err)
		}
		waitFor(t, 10*time.Second, "a heartbeat to the new coordinator", func() bool {
			err := m.Heartbeat(ctx)
			if err != nil && !errors.Is(err, ErrCoordinatorUnavailable) {
				t.Fatalf("heartbeat: %v", err)
			}
			return err == nil
		})
	})
}

func TestJoinInterrupted(t *testing.T) {
	c := newKafka(t)
	cl := newClient(t, c)
	// Swallow JoinGroups: the member waits for an answer that never comes.
	swallowed := make(chan string, 16)
	c.ControlKey(kmsg.JoinGroup.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		swallowed <- req.(*kmsg.JoinGroupRequest).Group
		return nil, nil, true
	})
	var log leaderLog
	assign := log.assigner(Snapshot{Offset: 1})
	waitSwallowed := func(group string) {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case g := <-swallowed:
				if g == group {
					return
				}
			case <-timeout:
				t.Fatalf("no JoinGroup for %s", group)
			}
		}
	}

	t.Run("context", func(t *testing.T) {
		m := newTestMember(t, cl, "g1", "w1")
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := m.Join(ctx, Metadata{URL: "http://w1/"}, assign)
			errc <- err
		}()
		waitSwallowed("g1")
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("join after cancel: %v", err)
		}
		// The member is still usable: the cut connection is replaced.
		if _, _, stable := m.Generation(); stable {
			t.Fatal("stable after an interrupted join")
		}
	})

	t.Run("close", func(t *testing.T) {
		m := newTestMember(t, cl, "g2", "w2")
		errc := make(chan error, 1)
		go func() {
			_, err := m.Join(context.Background(), Metadata{URL: "http://w2/"}, assign)
			errc <- err
		}()
		waitSwallowed("g2")
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-errc; !errors.Is(err, ErrClosed) {
			t.Fatalf("join after close: %v", err)
		}
		if err := m.Heartbeat(context.Background()); !errors.Is(err, ErrClosed) {
			t.Fatalf("heartbeat after close: %v", err)
		}
		if err := m.Close(); err != nil {
			t.Fatalf("second close: %v", err)
		}
	})
}

func TestNewMemberValidates(t *testing.T) {
	c := newKafka(t)
	cl := newClient(t, c)
	for _, cfg := range []Config{
		{GroupID: "g"},
		{Client: cl},
		{Client: cl, GroupID: "g", Protocol: "range"},
		{Client: cl, GroupID: "g", SessionTimeout: time.Second, HeartbeatInterval: 2 * time.Second},
	} {
		if _, err := NewMember(cfg); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
	m, err := NewMember(Config{Client: cl, GroupID: "g", WorkerID: "h:1"})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.cfg.ClientID != "connect-h:1" || m.cfg.Protocol != ModeSessioned || m.HeartbeatInterval() != 3*time.Second ||
		m.cfg.SessionTimeout != 10*time.Second || m.cfg.RebalanceTimeout != time.Minute {
		t.Errorf("defaults %+v", m.cfg)
	}
	if m.conf.Net.ReadTimeout < 65*time.Second {
		t.Errorf("read timeout %v shorter than the rebalance timeout plus 5s", m.conf.Net.ReadTimeout)
	}
}
