package mqtt

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/mqtt/mqtttest"
)

// connIDs are the client ids of task 0's n connections for client id id.
func connIDs(id string, n int) []string {
	out := []string{id + "-0"}
	for i := 1; i < n; i++ {
		out = append(out, id+"-0-"+strconv.Itoa(i))
	}
	return out
}

// multiConfig is baseConfig with n connections as client id.
func multiConfig(b *mqtttest.Broker, id string, n int, extra map[string]string) map[string]string {
	cfg := baseConfig(b, map[string]string{fieldClientID: id, fieldConnectionsPerTask: strconv.Itoa(n)})
	for k, v := range extra {
		cfg[k] = v
	}
	return cfg
}

// connOf is the index of the connection the message of a polled, uncommitted record came on.
func connOf(t *testing.T, task *SourceTask, rec *connector.SourceRecord) int {
	t.Helper()
	p := task.pipe
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.polled.len() {
		if pr := p.polled.at(i); pr.rec == rec {
			return pr.u.msgs[0].conn
		}
	}
	t.Fatalf("record %v is not in flight", rec.Value)
	return -1
}

// seqOf is the number a test message carries as its payload.
func seqOf(t *testing.T, r *connector.SourceRecord) int {
	t.Helper()
	n, err := strconv.Atoi(string(r.Value.(connector.RawJSON)))
	if err != nil {
		t.Fatalf("record value %v: %v", r.Value, err)
	}
	return n
}

// drain polls and commits until every number in [from, to) was seen, and returns how often each was.
func drain(t *testing.T, task *SourceTask, seen map[int]int, from, to int) {
	t.Helper()
	waitFor(t, 20*time.Second, "messages "+strconv.Itoa(from)+" to "+strconv.Itoa(to-1), func() bool {
		recs, err := task.Poll(context.Background())
		if err != nil {
			t.Fatalf("poll: %v", err)
		}
		for _, r := range recs {
			seen[seqOf(t, r)]++
		}
		commitAll(t, task, recs)
		for i := from; i < to; i++ {
			if seen[i] == 0 {
				return false
			}
		}
		return true
	})
}

func TestConnectionsSubscribeWithTheirIdsAndShareTheLoad(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	task := startTask(t, multiConfig(b, "multi", 3, nil))
	ids := connIDs("multi", 3)
	if !slices.Equal(ids, []string{"multi-0", "multi-0-1", "multi-0-2"}) {
		t.Fatalf("ids %v", ids)
	}
	for _, id := range ids {
		waitConnected(t, b, id)
		if subs := b.Subscriptions(id); !slices.Equal(subs, []string{"$share/mqtt-test//mqtt/test/#"}) {
			t.Fatalf("%s subscriptions %v, want the shared subscription only", id, subs)
		}
	}
	const n = 300
	for i := range n {
		b.Publish(t, "/mqtt/test/d", []byte(strconv.Itoa(i)), 1)
	}
	recs := pollN(t, task, n, 20*time.Second)
	// Nothing is committed yet: each connection holds the messages it received, unacknowledged.
	total := 0
	for _, id := range ids {
		held := b.Inflight(id)
		if held == 0 {
			t.Errorf("%s received none of %d messages: the connections do not share the load", id, n)
		}
		total += held
	}
	if total != n {
		t.Errorf("the connections hold %d unacknowledged messages, want %d", total, n)
	}
	seen := map[int]int{}
	for _, r := range recs {
		seen[seqOf(t, r)]++
	}
	commitAll(t, task, recs)
	for i := range n {
		if seen[i] != 1 {
			t.Errorf("message %d polled %d times", i, seen[i])
		}
	}
	for _, id := range ids {
		waitFor(t, 5*time.Second, id+" acknowledged", func() bool { return b.Inflight(id) == 0 })
	}
}

// TestConnectionsAcknowledgeIndependently commits only connection 1's records: its messages are
// acknowledged while the others' stay unacknowledged, and the others' acks follow when they are committed.
func TestConnectionsAcknowledgeIndependently(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	task := startTask(t, multiConfig(b, "indep", 2, nil))
	ids := connIDs("indep", 2)
	for _, id := range ids {
		waitConnected(t, b, id)
	}
	const n = 100
	for i := range n {
		b.Publish(t, "/mqtt/test/d", []byte(strconv.Itoa(i)), 1)
	}
	recs := pollN(t, task, n, 20*time.Second)
	var mine, others []*connector.SourceRecord
	for _, r := range recs {
		if connOf(t, task, r) == 1 {
			mine = append(mine, r)
		} else {
			others = append(others, r)
		}
	}
	if len(mine) == 0 || len(others) == 0 {
		t.Fatalf("connection 1 got %d of %d messages: the load is not shared", len(mine), n)
	}
	commitAll(t, task, mine)
	waitFor(t, 5*time.Second, ids[1]+" acknowledged", func() bool { return b.Inflight(ids[1]) == 0 })
	if held := b.Inflight(ids[0]); held != len(others) {
		t.Fatalf("%s holds %d unacknowledged messages, want its %d uncommitted ones", ids[0], held, len(others))
	}
	commitAll(t, task, others)
	waitFor(t, 5*time.Second, ids[0]+" acknowledged", func() bool { return b.Inflight(ids[0]) == 0 })
}

// TestKilledConnectionDoesNotLoseOrBlockTheOthers closes one connection from the broker and keeps it out:
// the other connections go on delivering and acknowledging, and once it is back its session's queued share
// arrives. Nothing is lost.
func TestKilledConnectionDoesNotLoseOrBlockTheOthers(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	task := startTask(t, multiConfig(b, "kill", 3, map[string]string{fieldCleanSession: "false", fieldMaxRetryTime: "60000"}))
	ids := connIDs("kill", 3)
	for _, id := range ids {
		waitConnected(t, b, id)
	}
	seen := map[int]int{}
	for i := range 30 {
		b.Publish(t, "/mqtt/test/k", []byte(strconv.Itoa(i)), 1)
	}
	drain(t, task, seen, 0, 30)
	for _, id := range ids {
		waitFor(t, 5*time.Second, id+" acknowledged", func() bool { return b.Inflight(id) == 0 })
	}

	down := ids[1]
	b.Refuse(down)
	b.Kick(t, down)
	waitFor(t, 10*time.Second, down+" down", func() bool { return !b.Connected(down) })
	const n = 300
	for i := 30; i < n; i++ {
		b.Publish(t, "/mqtt/test/k", []byte(strconv.Itoa(i)), 1)
	}
	// The broker keeps a share for the offline session; everything else flows through the others.
	waitFor(t, 20*time.Second, "the other connections' share", func() bool {
		recs, err := task.Poll(context.Background())
		if err != nil {
			t.Fatalf("poll: %v", err)
		}
		for _, r := range recs {
			seen[seqOf(t, r)]++
		}
		commitAll(t, task, recs)
		return len(seen)+b.Inflight(down) == n && b.Inflight(ids[0]) == 0 && b.Inflight(ids[2]) == 0
	})
	queued := b.Inflight(down)
	if queued == 0 || b.Connected(down) {
		t.Fatalf("%s: %d queued, connected %v; want it down with its share queued", down, queued, b.Connected(down))
	}
	b.Admit(down)
	drain(t, task, seen, 0, n)
	waitFor(t, 10*time.Second, down+" acknowledged", func() bool { return b.Inflight(down) == 0 })
	dups := 0
	for _, c := range seen {
		dups += c - 1
	}
	t.Logf("%d messages, %d queued for the killed connection, %d duplicates", n, queued, dups)
}

// TestTaskFailsWhenOneConnectionCannotConnect refuses one connection of three: the task fails after the max
// retry time, naming it, although the others work (see SourceTask.failure).
func TestTaskFailsWhenOneConnectionCannotConnect(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	b.Refuse("one-0-2")
	task := startTask(t, multiConfig(b, "one", 3, map[string]string{fieldMaxRetryTime: "300"}))
	waitConnected(t, b, "one-0")
	waitConnected(t, b, "one-0-1")
	var err error
	for deadline := time.Now().Add(20 * time.Second); err == nil && time.Now().Before(deadline); {
		_, err = task.Poll(context.Background())
	}
	if !errors.Is(err, ErrBrokerUnavailable) || !strings.Contains(err.Error(), `"one-0-2"`) {
		t.Fatalf("poll error %v, want ErrBrokerUnavailable naming one-0-2", err)
	}
}

// TestUpgradedTaskResumesItsPersistentSession runs a task with one connection and a persistent session, then
// the same task with three connections: connection 0 keeps the client id, so the messages queued for the
// task while it was down arrive, and the session's plain subscription gives way to the shared one (else that
// connection would receive every message on its own too). Going back to one connection reverses it.
func TestUpgradedTaskResumesItsPersistentSession(t *testing.T) {
	t.Parallel()
	b := mqtttest.NewBroker(t)
	persistent := map[string]string{fieldCleanSession: "false"}
	old := startTask(t, multiConfig(b, "up", 1, persistent))
	waitConnected(t, b, "up-0")
	if subs := b.Subscriptions("up-0"); !slices.Equal(subs, []string{"/mqtt/test/#"}) {
		t.Fatalf("one connection subscribes %v, want the filter as written", subs)
	}
	if err := old.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		b.Publish(t, "/mqtt/test/u", []byte(strconv.Itoa(i)), 1)
	}
	if n := b.Inflight("up-0"); n != 50 {
		t.Fatalf("the broker queued %d messages for the stopped task, want 50", n)
	}

	// The subscriptions are checked before polling: mochi refuses a SUBSCRIBE or UNSUBSCRIBE whose packet id is
	// one of its in-flight messages' ids (see session.subscribe), and acknowledgements would free ids in no
	// particular order while the connection subscribes.
	task := startTask(t, multiConfig(b, "up", 3, persistent))
	for _, id := range connIDs("up", 3) {
		waitConnected(t, b, id)
		waitFor(t, 5*time.Second, id+" subscribed to the shared subscription only", func() bool {
			return slices.Equal(b.Subscriptions(id), []string{"$share/mqtt-test//mqtt/test/#"})
		})
	}
	seen := map[int]int{}
	drain(t, task, seen, 0, 50)
	for i := 50; i < 200; i++ {
		b.Publish(t, "/mqtt/test/u", []byte(strconv.Itoa(i)), 1)
	}
	drain(t, task, seen, 50, 200)
	for i := range 200 {
		if seen[i] != 1 {
			t.Errorf("message %d written %d times", i, seen[i])
		}
	}
	if err := task.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}

	startTask(t, multiConfig(b, "up", 1, persistent))
	waitFor(t, 10*time.Second, "up-0 back on the plain filter only", func() bool {
		return b.Ready("up-0") && slices.Equal(b.Subscriptions("up-0"), []string{"/mqtt/test/#"})
	})
}
